import numpy as np
from lifted import grad, jvp, kernel, vjp


@kernel
def mlp(params: "[(f64[d,h], f64[h]), (f64[h,k], f64[k])]", x: "f64[n,d]"):
    for W, b in params:
        out = x @ W + b
        x = np.tanh(out)
    return out


@kernel
def loss(params: "[(f64[d,h], f64[h]), (f64[h,k], f64[k])]", x: "f64[n,d]", y: "f64[n,k]"):
    return np.sum((mlp(params, x) - y) ** 2)


@kernel
def scores(p: "{'w': f64[d], 'b': f64[]}", x: "f64[n,d]"):
    z = x @ p["w"] + p["b"]
    return {"z": z, "total": np.sum(z)}


loss_grad = grad(loss)
scores_vjp = vjp(scores)
scores_jvp = jvp(scores)
