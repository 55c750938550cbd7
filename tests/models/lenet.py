"""A small LeNet-style convolutional classifier's loss.

Written for Lifted after autograd's examples/convnet.py (which convolves with scipy.signal): 'valid'
convolutions written as sums of shifted slices, max pooling by reshaping (its shape built with `+=` on a tuple,
as the original does), a tanh layer and a log-softmax output layer, an L2 penalty over the parameter tree.
"""
import autograd.numpy as np

from lifted import grad, kernel

PARAMS = "[(f64[c0,c1,3,3], f64[1,c1,1,1]), (f64[c1,c2,3,3], f64[1,c2,1,1]), (f64[f,h], f64[h]), (f64[h,k], f64[k])]"


def convolve(images, filters, bias):
    rows, cols = filters.shape[2], filters.shape[3]
    out_rows, out_cols = images.shape[2] - rows + 1, images.shape[3] - cols + 1
    out = np.zeros((images.shape[0], filters.shape[1], out_rows, out_cols))
    for i in range(rows):
        for j in range(cols):
            window = images[:, :, i:i + out_rows, j:j + out_cols]
            out = out + np.einsum("bchw,cf->bfhw", window, filters[:, :, i, j])
    return out + bias


def max_pool(images, pool):
    shape = images.shape[:2]
    for axis in [0, 1]:
        shape += (images.shape[axis + 2] // pool[axis], pool[axis])
    return np.max(np.max(images.reshape(shape), axis=3), axis=4)


def log_softmax(x):
    top = np.max(x, axis=1, keepdims=True)
    return x - top - np.log(np.sum(np.exp(x - top), axis=1, keepdims=True))


def predict(params, images):
    (f1, b1), (f2, b2), (w3, b3), (w4, b4) = params
    x = max_pool(np.tanh(convolve(images, f1, b1)), (2, 2))
    x = max_pool(np.tanh(convolve(x, f2, b2)), (2, 2))
    x = np.tanh(x.reshape((x.shape[0], -1)) @ w3 + b3)
    return log_softmax(x @ w4 + b4)


@kernel
def loss(params: PARAMS, images: "f64[b,c0,14,14]", labels: "f64[b,k]", l2: "f64[]"):
    penalty = sum(np.sum(w ** 2) for layer in params for w in layer)
    return l2 * penalty - np.sum(predict(params, images) * labels)


loss_grad = grad(loss)
