"""A smoke simulation (Jos Stam's stable fluids): projection and semi-Lagrangian advection, differentiated with
respect to the initial velocity field.

Ported from autograd's examples/fluidsim/fluidsim.py (https://github.com/HIPS/autograd, MIT license): `project`,
`advect`, `simulate` (its `print` and plotting arguments included: `ax=None` makes `if ax:` false at build time)
and `plot_matrix` as written there, with autograd's own imports. Changes: `@kernel` and annotations; the
matplotlib imports are left out (`plot_matrix` is never called here), and `distance_from_target_image` is the
objective of the original's `__main__`.
"""
import autograd.numpy as np

from lifted import grad, kernel


def project(vx, vy):
    """Project the velocity field to be approximately mass-conserving,
    using a few iterations of Gauss-Seidel."""
    p = np.zeros(vx.shape)
    h = 1.0 / vx.shape[0]
    div = (
        -0.5
        * h
        * (
            np.roll(vx, -1, axis=0)
            - np.roll(vx, 1, axis=0)
            + np.roll(vy, -1, axis=1)
            - np.roll(vy, 1, axis=1)
        )
    )

    for k in range(10):
        p = (
            div
            + np.roll(p, 1, axis=0)
            + np.roll(p, -1, axis=0)
            + np.roll(p, 1, axis=1)
            + np.roll(p, -1, axis=1)
        ) / 4.0

    vx -= 0.5 * (np.roll(p, -1, axis=0) - np.roll(p, 1, axis=0)) / h
    vy -= 0.5 * (np.roll(p, -1, axis=1) - np.roll(p, 1, axis=1)) / h
    return vx, vy


def advect(f, vx, vy):
    """Move field f according to x and y velocities (u and v)
    using an implicit Euler integrator."""
    rows, cols = f.shape
    cell_ys, cell_xs = np.meshgrid(np.arange(rows), np.arange(cols))
    center_xs = (cell_xs - vx).ravel()
    center_ys = (cell_ys - vy).ravel()

    # Compute indices of source cells.
    left_ix = np.floor(center_xs).astype(int)
    top_ix = np.floor(center_ys).astype(int)
    rw = center_xs - left_ix  # Relative weight of right-hand cells.
    bw = center_ys - top_ix  # Relative weight of bottom cells.
    left_ix = np.mod(left_ix, rows)  # Wrap around edges of simulation.
    right_ix = np.mod(left_ix + 1, rows)
    top_ix = np.mod(top_ix, cols)
    bot_ix = np.mod(top_ix + 1, cols)

    # A linearly-weighted sum of the 4 surrounding cells.
    flat_f = (1 - rw) * ((1 - bw) * f[left_ix, top_ix] + bw * f[left_ix, bot_ix]) + rw * (
        (1 - bw) * f[right_ix, top_ix] + bw * f[right_ix, bot_ix]
    )
    return np.reshape(flat_f, (rows, cols))


def simulate(vx, vy, smoke, num_time_steps, ax=None, render=False):
    print("Running simulation...")
    for t in range(num_time_steps):
        if ax:
            plot_matrix(ax, smoke, t, render)
        vx_updated = advect(vx, vx, vy)
        vy_updated = advect(vy, vx, vy)
        vx, vy = project(vx_updated, vy_updated)
        smoke = advect(smoke, vx, vy)
    if ax:
        plot_matrix(ax, smoke, num_time_steps, render)
    return smoke


def plot_matrix(ax, mat, t, render=False):
    plt.cla()  # noqa: F821 (matplotlib, imported by the original)
    ax.matshow(mat)
    ax.set_xticks([])
    ax.set_yticks([])
    plt.draw()  # noqa: F821
    if render:
        matplotlib.image.imsave("step{0:03d}.png".format(t), mat)  # noqa: F821
    plt.pause(0.001)  # noqa: F821


@kernel
def distance_from_target_image(init_vx: "f64[n,n]", init_vy: "f64[n,n]", smoke: "f64[n,n]",
                               target: "f64[n,n]"):
    final_smoke = simulate(init_vx, init_vy, smoke, 4)
    return np.mean((target - final_smoke) ** 2)


objective_grad = grad(distance_from_target_image, wrt=("init_vx", "init_vy"))
