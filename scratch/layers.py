"""The layers of a convolutional network, each one step of the math with its own backward pass.

A layer turns a batch into a batch, and in the backward pass turns dC/d(its output)
into dC/d(its input), the chain rule, storing on the way dC/d(each of its parameters):

    out = layer.forward(x, training)        x: (n, ...) -> out: (n, ...)
    grad_x = layer.backward(grad_out)       fills layer.grads (same order as layer.params)

`layer.params` and `layer.grads` are lists of arrays, so the optimizers of
scratch.optimizers update them in place: `optimizer.step(params, grads, rate)`.
Arrays a layer keeps without training them (batch normalisation's moving
averages) are in `layer.state`. `layer.arrays()` names everything, for saving
and for copying weights to and from Keras by name.

Images are channels-last, (n, height, width, channels), and kernels
(kh, kw, in, out), both as in Keras, so weights copy across unchanged.

Speed: every array of the training step lives in a buffer the layer reuses
from batch to batch (allocating fresh ones means page faults and the OS
zeroing memory, which shows at these sizes), each convolution is one matrix
product per direction, and no Python loop runs over samples or pixels.
A layer's output is its own buffer, overwritten by its next forward pass.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from scratch import checks
from scratch.activations import Activation as ActivationFunction
from scratch.activations import Linear, Softmax, get_activation


class Layer:
    """Base class. Subclasses define the shapes, `forward` and `backward` (see the module docstring).

    A layer is made from its settings alone (`config()`); `build(input_shape, rng, dtype)`
    then creates its arrays for a per-sample input shape such as (28, 28, 1).
    """

    kind = "layer"   # its name in saved files

    def __init__(self, name: str | None = None) -> None:
        if name is not None and (not isinstance(name, str) or not name):
            raise ValueError(f"a layer name must be a non-empty string, got {name!r}")
        self.name = name
        self.params: list[np.ndarray] = []      # trained arrays, updated in place by the optimizer
        self.grads: list[np.ndarray] = []       # dC/d(each param), filled by backward
        self.param_names: list[str] = []
        self.regularized: list[int] = []        # which params weight decay shrinks (kernels, not biases)
        self.state: dict[str, np.ndarray] = {}  # kept, not trained: moving averages
        self.input_shape: tuple[int, ...] | None = None
        self._buffers = _Buffers()

    # --- shapes, arrays and settings ------------------------------------------------------------

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        """The per-sample output shape for a per-sample input shape; ValueError if the input does not fit."""
        return tuple(input_shape)

    def array_shapes(self, input_shape: tuple[int, ...]) -> dict[str, tuple[int, ...]]:
        """The shape of every array `build` would create, by name, without creating any.

        (Loading compares these with a file's arrays before it allocates anything.)
        """
        return {}

    def build(self, input_shape: Sequence[int], rng: np.random.Generator, dtype: np.dtype) -> tuple[int, ...]:
        """Create the layer's arrays for inputs of per-sample shape `input_shape`; returns the output shape."""
        self.input_shape = tuple(int(s) for s in input_shape)
        output_shape = self.output_shape(self.input_shape)
        self._build(rng, np.dtype(dtype))
        return output_shape

    def _build(self, rng: np.random.Generator, dtype: np.dtype) -> None:
        pass

    def _add_param(self, name: str, value: np.ndarray, *, regularized: bool = False) -> np.ndarray:
        if regularized:
            self.regularized.append(len(self.params))
        self.params.append(value)
        self.grads.append(np.zeros_like(value))
        self.param_names.append(name)
        return value

    def arrays(self) -> dict[str, np.ndarray]:
        """Every array that defines the layer's function, by name (the arrays themselves, not copies)."""
        return {**dict(zip(self.param_names, self.params)), **self.state}

    def config(self) -> dict:
        """The settings the layer was made with (what the saved JSON lists)."""
        return {}

    def to_dict(self) -> dict:
        return {"type": self.kind, "name": self.name, **self.config()}

    def describe(self) -> str:
        return self.kind

    def __repr__(self) -> str:
        settings = ", ".join(f"{k}={v!r}" for k, v in self.config().items())
        return f"{type(self).__name__}({settings}{', ' if settings else ''}name={self.name!r})"

    # --- the math -------------------------------------------------------------------------------

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad_out: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        """dC/d(input) from dC/d(output), and the parameter gradients into `grads`.

        need_input_grad=False (the first layer, in training) skips dC/d(input) and returns None.
        """
        raise NotImplementedError


# --- convolution ----------------------------------------------------------------------------------
#
# im2col, on paper. Take one image of 4x4 pixels x[r, s] with one channel, and a 3x3 kernel k. The
# output is 2x2, and output pixel (r, s) is the sum of the patch x[r:r+3, s:s+3] times k. Write every
# patch out as a row of 9 numbers, one row per output pixel:
#
#     out (0,0):  x00 x01 x02  x10 x11 x12  x20 x21 x22
#     out (0,1):  x01 x02 x03  x11 x12 x13  x21 x22 x23
#     out (1,0):  x10 x11 x12  x20 x21 x22  x30 x31 x32
#     out (1,1):  x11 x12 x13  x21 x22 x23  x31 x32 x33
#
# and the kernel as a column of its 9 numbers, k00 k01 k02 k10 ... k22 in the same order. The
# convolution is then one matrix product: (4 rows, 9) @ (9, 1) -> the 4 output pixels. With c
# channels a row holds kh*kw*c numbers (kernel row, kernel column, channel: the order of a Keras
# kernel (kh, kw, c, f) flattened), f filters make f columns, and n images make n*oh*ow rows.
# One big product instead of many small sums is what makes it fast: BLAS keeps every core busy.
#
# The rows need not be copied pixel by pixel. Entry (i, j, ch) of row (r, s) is x[r+i, s+j, ch], so
# the array of all rows, shape (n, oh, ow, kh, kw, c), is the image itself read with other strides
# (numpy's sliding_window_view: a step along r and a step along i both move one image row). Copying
# that view into a contiguous buffer is the only data movement of the forward pass.
#
# col2im, the backward pass, goes the other way. The product gives dC/d(rows): one number per copy
# of a pixel. Pixel x11 above was copied into all four rows, so dC/dx11 is the sum of the four
# entries where x11 sits (the chain rule: x11 reaches the cost along four paths). Add them up one
# kernel offset at a time: for offset (i, j), the entries (i, j, :) of all rows form an (n, oh, ow, c)
# array whose element (r, s) is the copy of pixel (r+i, s+j), so it is added to
# grad_x[:, i:i+oh, j:j+ow, :]. That is kh*kw additions of whole arrays (25 for a 5x5 kernel),
# a scatter-add with no loop over pixels.
#
# The code groups the same 25 additions differently, for speed: NumPy adds contiguous runs, and the
# c numbers of one offset are a short run (20). The entries (i, :, :) of a row, kernel row i, are
# kw*c contiguous numbers, the copies of kw neighbouring pixels, contiguous in grad_x too. Output
# columns s and s + kw have patches side by side that do not overlap, so the columns s = p, p + kw,
# p + 2kw, ... ("phase" p) can be added in one go: one addition per kernel row i and phase p.

class Conv2D(Layer):
    """`filters` learned kh x kw filters slid over the image: "valid" padding, stride 1, channels-last."""

    kind = "conv2d"

    def __init__(self, filters: int, kernel_size: int | Sequence[int], *, use_bias: bool = True,
                 kernel_initializer: str = "glorot_uniform", name: str | None = None) -> None:
        super().__init__(name)
        self.filters = checks.count(filters, "filters")
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.use_bias = _flag(use_bias, "use_bias")
        self.kernel_initializer = _initializer(kernel_initializer)

    def output_shape(self, input_shape):
        h, w, _ = _image(input_shape, self)
        kh, kw = self.kernel_size
        if h < kh or w < kw:
            raise ValueError(f"layer {self.name}: a {kh}x{kw} kernel does not fit in a {h}x{w} input")
        return (h - kh + 1, w - kw + 1, self.filters)

    def array_shapes(self, input_shape):
        shapes = {"kernel": (*self.kernel_size, _image(input_shape, self)[2], self.filters)}
        if self.use_bias:
            shapes["bias"] = (self.filters,)
        return shapes

    def _build(self, rng, dtype):
        kh, kw, c, f = self.array_shapes(self.input_shape)["kernel"]
        self.kernel = self._add_param("kernel", initial_kernel(self.kernel_initializer, rng, (kh, kw, c, f),
                                                               kh * kw * c, kh * kw * f, dtype), regularized=True)
        self.bias = self._add_param("bias", np.zeros(f, dtype)) if self.use_bias else None

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """x (n, h, w, c) -> (n, oh, ow, f), oh = h - kh + 1: rows (n*oh*ow, kh*kw*c) @ kernel (kh*kw*c, f)."""
        if x.shape[1:] != self.input_shape:
            raise ValueError(f"layer {self.name} was built for inputs {self.input_shape}, got {x.shape[1:]}")
        oh, ow, f = self.output_shape(self.input_shape)
        self._rows = rows = self._im2col(x, oh, ow)     # kept: dC/dkernel needs the patches
        out = self._buffers("out", (len(x), oh, ow, f), x.dtype)
        np.matmul(rows, self.kernel.reshape(-1, f), out=out.reshape(-1, f))
        if self.use_bias:
            out += self.bias
        return out

    def backward(self, grad_out: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        """grad_out (n, oh, ow, f) -> dC/dx (n, h, w, c).

        Each output pixel is (its patch row) @ kernel, so dC/dkernel = rows.T @ grad_out (summed over
        every pixel of every image), dC/dbias = grad_out summed, dC/drows = grad_out @ kernel.T.
        """
        f = self.filters
        grad = np.ascontiguousarray(grad_out).reshape(-1, f)
        np.matmul(self._rows.T, grad, out=self.grads[0].reshape(-1, f))
        if self.use_bias:
            _sum_rows(grad, out=self.grads[1])
        if not need_input_grad:
            return None
        grad_rows = self._buffers("grad_rows", self._rows.shape, grad.dtype)
        np.matmul(grad, self.kernel.reshape(-1, f).T, out=grad_rows)
        return self._col2im(grad_rows, len(grad_out))

    def _im2col(self, x: np.ndarray, oh: int, ow: int) -> np.ndarray:
        """(n, h, w, c) -> the patch rows (n*oh*ow, kh*kw*c), from one copy (see the comment above).

        The copy moves runs of kw*c contiguous numbers (a kernel row across all channels). With few
        channels (the first layer has 1) those runs are short, while a column of the matrix (one
        kernel entry, for every output pixel) is made of runs of ow pixels: then the matrix is
        stored transposed, (kh*kw*c, n*oh*ow), and returned as a transposed view, which the matrix
        products read as they are (BLAS takes transposed operands).
        """
        kh, kw = self.kernel_size
        n, c = len(x), x.shape[3]
        patches = sliding_window_view(x, (kh, kw), axis=(1, 2))      # (n, oh, ow, c, kh, kw), no copy
        if kw * c >= ow:
            rows = self._buffers("rows", (n, oh, ow, kh, kw, c), x.dtype)
            np.copyto(rows, patches.transpose(0, 1, 2, 4, 5, 3))
            return rows.reshape(n * oh * ow, kh * kw * c)
        columns = self._buffers("columns", (kh, kw, c, n, oh, ow), x.dtype)
        np.copyto(columns, patches.transpose(4, 5, 3, 0, 1, 2))
        return columns.reshape(kh * kw * c, n * oh * ow).T

    def _col2im(self, grad_rows: np.ndarray, n: int) -> np.ndarray:
        """dC/drows (n*oh*ow, kh*kw*c) -> dC/dx (n, h, w, c): each pixel's copies summed back (see above)."""
        (h, w, c), (kh, kw) = self.input_shape, self.kernel_size
        oh, ow = h - kh + 1, w - kw + 1
        grad_x = self._buffers("grad_x", (n, h, w, c), grad_rows.dtype)
        grad_x.fill(0)
        per_pixel = grad_rows.reshape(n, oh, ow, kh, kw, c)
        for i in range(kh):
            for p in range(min(kw, ow)):
                columns = (ow - p + kw - 1) // kw                  # output columns p, p + kw, p + 2kw, ...
                target = grad_x[:, i:i + oh, p:p + kw * columns]   # the input pixels their patches cover
                target = target.reshape(n, oh, columns, kw, c)     # a view (kw*c values are contiguous) ...
                if not np.shares_memory(target, grad_x):          # ... or the adds would be lost
                    raise AssertionError("col2im: the reshaped input gradient is not a view")
                target += per_pixel[:, :, p::kw, i]
        return grad_x

    def config(self):
        return {"filters": self.filters, "kernel_size": list(self.kernel_size), "use_bias": self.use_bias,
                "kernel_initializer": self.kernel_initializer}

    def describe(self):
        return f"conv {self.filters}@{self.kernel_size[0]}x{self.kernel_size[1]}"


# --- pooling --------------------------------------------------------------------------------------

class MaxPool2D(Layer):
    """The largest value of each 2x2 window, stride 2: halves height and width (an odd last row/column is dropped)."""

    kind = "max_pool2d"

    def __init__(self, pool_size: int = 2, *, name: str | None = None) -> None:
        super().__init__(name)
        if pool_size != 2:
            raise ValueError(f"MaxPool2D supports 2x2 windows only, got pool_size={pool_size!r}")
        self.pool_size = 2

    def output_shape(self, input_shape):
        h, w, c = _image(input_shape, self)
        if h < 2 or w < 2:
            raise ValueError(f"layer {self.name}: a 2x2 pool does not fit in a {h}x{w} input")
        return (h // 2, w // 2, c)

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """x (n, h, w, c) -> (n, h//2, w//2, c), in two steps that each halve one dimension:

        the larger of each pair of image rows (2r, 2r+1), then of each pair of columns in that.
        Reshapes, not index arithmetic: (n*h/2, 2, w*c) puts the two rows of a pair side by side.
        """
        n, h, w, c = x.shape
        oh, ow = h // 2, w // 2
        if h % 2 or w % 2:
            x = np.ascontiguousarray(x[:, :2 * oh, :2 * ow])    # drop the odd last row/column, as Keras does
        self._row_pairs = row_pairs = x.reshape(n * oh, 2, 2 * ow * c)
        rows = self._buffers("rows", (n * oh, 2 * ow * c), x.dtype)
        np.maximum(row_pairs[:, 0], row_pairs[:, 1], out=rows)
        self._column_pairs = column_pairs = rows.reshape(n * oh * ow, 2, c)
        out = self._buffers("out", (n, oh, ow, c), x.dtype)
        np.maximum(column_pairs[:, 0], column_pairs[:, 1], out=out.reshape(-1, c))
        return out

    def backward(self, grad_out: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        """grad_out (n, h//2, w//2, c) -> dC/dx (n, h, w, c), undoing the two steps in reverse.

        A max passes its whole gradient to the input that won and none to the loser (dmax/da is 1
        or 0); with a tie the first wins, so the gradient is never counted twice. The loser's share
        is written as g - (winner's share), which is exactly 0 or g.
        """
        if not need_input_grad:
            return None
        column_pairs, row_pairs = self._column_pairs, self._row_pairs
        grad = np.ascontiguousarray(grad_out).reshape(-1, grad_out.shape[-1])
        won = self._buffers("left_won", grad.shape, np.bool_)
        np.greater_equal(column_pairs[:, 0], column_pairs[:, 1], out=won)
        grad_rows = self._buffers("grad_rows", column_pairs.shape, grad.dtype)
        np.multiply(grad, won, out=grad_rows[:, 0])
        np.subtract(grad, grad_rows[:, 0], out=grad_rows[:, 1])
        grad_rows = grad_rows.reshape(len(row_pairs), -1)
        won = self._buffers("top_won", grad_rows.shape, np.bool_)
        np.greater_equal(row_pairs[:, 0], row_pairs[:, 1], out=won)
        grad_pairs = self._buffers("grad_pairs", row_pairs.shape, grad.dtype)
        np.multiply(grad_rows, won, out=grad_pairs[:, 0])
        np.subtract(grad_rows, grad_pairs[:, 0], out=grad_pairs[:, 1])
        n, h, w, c = len(grad_out), *self.input_shape
        if h % 2 or w % 2:                                      # the dropped row/column gets no gradient
            grad_x = self._buffers("grad_x", (n, h, w, c), grad.dtype)
            grad_x.fill(0)
            grad_x[:, :h // 2 * 2, :w // 2 * 2] = grad_pairs.reshape(n, h // 2 * 2, w // 2 * 2, c)
            return grad_x
        return grad_pairs.reshape(n, h, w, c)

    def config(self):
        return {"pool_size": self.pool_size}

    def describe(self):
        return "max-pool 2x2"


# --- batch normalisation --------------------------------------------------------------------------

class BatchNormalization(Layer):
    """Standardise each channel (last axis) over the batch, then scale by gamma and shift by beta.

    Keras's defaults and rules: moving = momentum * moving + (1 - momentum) * batch statistic,
    the variance is the biased one (divided by m, like Keras 3's ops.moments), epsilon inside the root.
    """

    kind = "batch_normalization"

    def __init__(self, momentum: float = 0.99, epsilon: float = 1e-3, *, name: str | None = None) -> None:
        super().__init__(name)
        self.momentum = checks.rate(momentum, "momentum")
        self.epsilon = checks.positive(epsilon, "epsilon")

    def array_shapes(self, input_shape):
        return {name: (input_shape[-1],) for name in ("gamma", "beta", "moving_mean", "moving_variance")}

    def _build(self, rng, dtype):
        c = self.input_shape[-1]
        self.gamma = self._add_param("gamma", np.ones(c, dtype))
        self.beta = self._add_param("beta", np.zeros(c, dtype))
        self.state = {"moving_mean": np.zeros(c, dtype), "moving_variance": np.ones(c, dtype)}

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """x (n, ..., c) -> the same shape, y = gamma * (x - mean) / sqrt(var + eps) + beta per channel.

        Training: mean and var of this batch, over every axis but the last (m = x.size / c values
        per channel), folded into the moving averages. Inference: the moving averages, so a sample's
        prediction does not depend on the rest of its batch.
        """
        c = x.shape[-1]
        wide = x.reshape(len(x), -1)            # (n, L): channel k in columns k, k + c, k + 2c, ...
        out = self._buffers("out", wide.shape, x.dtype)
        if training:
            m = wide.size // c
            mean = _channel_sums(wide, c) / m
            centred = self._buffers("centred", wide.shape, x.dtype)
            np.subtract(wide, _tiled(mean, wide), out=centred)
            np.square(centred, out=out)                         # out as scratch space for the squares
            variance = _channel_sums(out, c) / m
            for name, statistic in (("moving_mean", mean), ("moving_variance", variance)):
                moving = self.state[name]
                moving *= self.momentum
                moving += (1 - self.momentum) * statistic
            self._inv_std, self._centred = 1 / np.sqrt(variance + self.epsilon), centred
            np.multiply(centred, _tiled(self.gamma * self._inv_std, wide), out=out)
            out += _tiled(self.beta, wide)
        else:   # an affine map: y = x * scale + (beta - mean * scale), as Keras computes it
            self._inv_std = 1 / np.sqrt(self.state["moving_variance"] + self.epsilon)
            self._centred, self._x = None, wide
            scale = self.gamma * self._inv_std
            np.multiply(wide, _tiled(scale, wide), out=out)
            out += _tiled(self.beta - self.state["moving_mean"] * scale, wide)
        return out.reshape(x.shape)

    def backward(self, grad_out: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        """grad_out (n, ..., c) -> dC/dx, same shape. With xhat = (x - mean) / sigma and sums over the m values:

            dC/dbeta = sum dy       dC/dgamma = sum dy * xhat
            dC/dx = gamma / sigma * (dy - sum(dy) / m - xhat * sum(dy * xhat) / m)     (training)

        The two extra terms of training are the paths through the batch mean and variance, which
        every x of the channel moves. At inference the statistics are constants: dC/dx = gamma / sigma * dy.
        """
        c = grad_out.shape[-1]
        grad = grad_out.reshape(len(grad_out), -1)
        m, inv_std, centred = grad.size // c, self._inv_std, self._centred
        if centred is None:                                     # after an inference forward pass
            centred = self._x - _tiled(self.state["moving_mean"], self._x)
        product = self._buffers("product", grad.shape, grad.dtype)
        np.multiply(grad, centred, out=product)
        sum_dy_centred = _channel_sums(product, c)
        self.grads[1][:] = _channel_sums(grad, c)               # dC/dbeta
        np.multiply(sum_dy_centred, inv_std, out=self.grads[0])  # dC/dgamma = sum dy * xhat
        if not need_input_grad:
            return None
        scale = self.gamma * inv_std
        grad_x = self._buffers("grad_x", grad.shape, grad.dtype)
        np.multiply(grad, _tiled(scale, grad), out=grad_x)
        if self._centred is not None:
            np.multiply(centred, _tiled(scale * inv_std * inv_std * sum_dy_centred / m, grad), out=product)
            grad_x -= product
            grad_x -= _tiled(scale * self.grads[1] / m, grad)
        return grad_x.reshape(grad_out.shape)

    def config(self):
        return {"momentum": self.momentum, "epsilon": self.epsilon}

    def describe(self):
        return "batch-norm"


# --- the rest: dense, activation, flatten, dropout ------------------------------------------------

class Dense(Layer):
    """Fully connected: z = x @ W + b, then an optional activation (a softmax output layer, like Keras's)."""

    kind = "dense"

    def __init__(self, units: int, *, activation: str | dict | ActivationFunction | None = None,
                 use_bias: bool = True, kernel_initializer: str = "glorot_uniform", name: str | None = None) -> None:
        super().__init__(name)
        self.units = checks.count(units, "units")
        self.activation = get_activation(activation if activation is not None else "linear")
        self.use_bias = _flag(use_bias, "use_bias")
        self.kernel_initializer = _initializer(kernel_initializer)

    def output_shape(self, input_shape):
        if len(input_shape) != 1:
            raise ValueError(f"layer {self.name}: Dense takes vectors, got per-sample shape {tuple(input_shape)}; "
                             f"put a Flatten layer before it")
        return (self.units,)

    def array_shapes(self, input_shape):
        self.output_shape(input_shape)
        return {"kernel": (input_shape[0], self.units), **({"bias": (self.units,)} if self.use_bias else {})}

    def _build(self, rng, dtype):
        (k,) = self.input_shape
        self.kernel = self._add_param("kernel", initial_kernel(self.kernel_initializer, rng, (k, self.units),
                                                               k, self.units, dtype), regularized=True)
        self.bias = self._add_param("bias", np.zeros(self.units, dtype)) if self.use_bias else None

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """x (n, k) -> a = f(z) (n, units), z = x @ W + b kept as `logits` (the cost's stable form needs it)."""
        self._x = x
        self.logits = z = self._buffers("z", (len(x), self.units), x.dtype)
        np.matmul(x, self.kernel, out=z)
        if self.use_bias:
            z += self.bias
        if isinstance(self.activation, Linear):
            self._a = z
        else:
            self._a = self._buffers("a", z.shape, z.dtype)
            np.copyto(self._a, z)
            self.activation.forward(self._a)
        return self._a

    def backward(self, grad_out: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        """dC/da (n, units) -> dC/dx (n, k), through the activation first."""
        return self.backward_logits(self.activation.backward(self._a, grad_out), need_input_grad)

    def backward_logits(self, delta: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        """delta = dC/dz (n, units) -> dC/dx = delta @ W.T; dC/dW = x.T @ delta, dC/db = delta summed over the batch."""
        np.matmul(self._x.T, delta, out=self.grads[0])
        if self.use_bias:
            _sum_rows(delta, out=self.grads[1])
        return delta @ self.kernel.T if need_input_grad else None

    def config(self):
        return {"units": self.units, "activation": self.activation.to_dict(), "use_bias": self.use_bias,
                "kernel_initializer": self.kernel_initializer}

    def describe(self):
        return f"dense {self.units}" + ("" if isinstance(self.activation, Linear) else f" {self.activation.name}")


class Activation(Layer):
    """A non-linearity of scratch.activations applied elementwise (softmax: over the last axis of vectors)."""

    kind = "activation"

    def __init__(self, activation: str | dict | ActivationFunction, *, name: str | None = None) -> None:
        super().__init__(name)
        self.activation = get_activation(activation)

    def output_shape(self, input_shape):
        if isinstance(self.activation, Softmax) and len(input_shape) != 1:
            raise ValueError(f"layer {self.name}: softmax takes vectors, got per-sample shape {tuple(input_shape)}")
        return tuple(input_shape)

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """x -> f(x), same shape. The input is kept as `logits` for an output layer's cost."""
        self.logits = x
        out = self._buffers("out", x.shape, x.dtype)
        if self.activation.name == "relu":
            np.maximum(x, 0, out=out)      # one pass instead of copy-then-in-place
        else:
            np.copyto(out, x)
            self.activation.forward(out)
        self._out = out
        return out

    def backward(self, grad_out: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        """dC/d(output) -> dC/d(input) = f'(x) * grad_out, computed in grad_out's buffer from the output."""
        return self.activation.backward(self._out, grad_out) if need_input_grad else None

    def backward_logits(self, delta: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        """As the output layer, the cost gives dC/d(input) directly."""
        return delta if need_input_grad else None

    def config(self):
        return {"activation": self.activation.to_dict()}

    def describe(self):
        return self.activation.name


class Flatten(Layer):
    """(n, h, w, c) -> (n, h*w*c), channels-last order like Keras, so a Dense kernel copies across."""

    kind = "flatten"

    def output_shape(self, input_shape):
        return (int(np.prod(input_shape)),)

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        return x.reshape(len(x), -1)

    def backward(self, grad_out: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        return grad_out.reshape(len(grad_out), *self.input_shape) if need_input_grad else None

    def describe(self):
        return "flatten"


class Dropout(Layer):
    """Inverted dropout: in training, zero each value with probability `rate` and scale the rest by
    1 / (1 - rate), so the expected value is unchanged and inference needs no correction.

    Draws from `self.rng`, which the model sets for each training step; without it, nothing is dropped.
    """

    kind = "dropout"

    def __init__(self, rate: float, *, name: str | None = None) -> None:
        super().__init__(name)
        self.rate = checks.rate(rate, "rate")
        self.rng: np.random.Generator | None = None

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """x -> x * mask, same shape; the identity at inference."""
        if not training or self.rate == 0 or self.rng is None:
            self._mask = None
            return x
        self._mask = mask = self._buffers("mask", x.shape, x.dtype)
        self.rng.random(out=mask, dtype=mask.dtype)
        np.greater_equal(mask, self.rate, out=mask)        # 1.0 (kept) or 0.0, in place
        mask *= 1 / (1 - self.rate)
        return np.multiply(x, mask, out=self._buffers("out", x.shape, x.dtype))

    def backward(self, grad_out: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        """Dropped values passed nothing on, so they get no gradient: grad_out * mask."""
        if not need_input_grad or self._mask is None:
            return grad_out if need_input_grad else None
        return np.multiply(grad_out, self._mask, out=self._buffers("grad_x", grad_out.shape, grad_out.dtype))

    def config(self):
        return {"rate": self.rate}

    def describe(self):
        return f"dropout {self.rate:g}"


LAYERS: dict[str, type[Layer]] = {cls.kind: cls for cls in
                                  (Conv2D, MaxPool2D, BatchNormalization, Dense, Activation, Flatten, Dropout)}


def layer_from_dict(spec: dict) -> Layer:
    """A layer from its saved description {"type": ..., "name": ..., settings...} (not yet built)."""
    if not isinstance(spec, dict):
        raise ValueError(f"a layer must be described by a dict, got {type(spec).__name__}")
    settings = dict(spec)
    kind = settings.pop("type", None)
    if kind not in LAYERS:
        raise ValueError(f"unknown layer type {kind!r}; expected one of {', '.join(LAYERS)}")
    try:
        return LAYERS[kind](**settings)
    except TypeError as e:
        raise ValueError(f"bad settings for a {kind} layer: {e}") from None


# --- initialisation -------------------------------------------------------------------------------

INITIALIZERS = ("he_normal", "glorot_uniform")


def initial_kernel(method: str, rng: np.random.Generator, shape: tuple[int, ...], fan_in: int, fan_out: int,
                   dtype: np.dtype) -> np.ndarray:
    """A random kernel with Keras's distributions (not its values).

    he_normal: a normal of standard deviation sqrt(2 / fan_in) truncated at two standard deviations
        (rescaled so the spread stays sqrt(2 / fan_in)), for layers followed by ReLU.
    glorot_uniform: uniform in +-sqrt(6 / (fan_in + fan_out)), the Keras default.
    fan_in, fan_out: the inputs and outputs of one unit, kh*kw*channels for a convolution.
    """
    if method == "glorot_uniform":
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-limit, limit, shape).astype(dtype)
    z = rng.standard_normal(shape)
    outside = np.abs(z) > 2
    while outside.any():              # redraw the tails: about 5% the first time, few after
        z[outside] = rng.standard_normal(int(outside.sum()))
        outside = np.abs(z) > 2
    return (z * (np.sqrt(2.0 / fan_in) / 0.87962566103423978)).astype(dtype)   # the std of N(0, 1) cut at 2


# --- helpers --------------------------------------------------------------------------------------

class _Buffers:
    """Arrays a layer reuses from batch to batch, one per purpose, reallocated when the shape changes."""

    def __init__(self) -> None:
        self._arrays: dict[str, np.ndarray] = {}

    def __call__(self, key: str, shape: tuple[int, ...], dtype) -> np.ndarray:
        array = self._arrays.get(key)
        if array is None or array.shape != tuple(shape) or array.dtype != dtype:
            array = self._arrays[key] = np.empty(shape, dtype)
        return array


_ONES: dict[tuple[int, str], np.ndarray] = {}


def _sum_rows(a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """The sum over the rows of a (m, k) array, (k,), computed as ones(m) @ a.

    A matrix-vector product, because numpy's a.sum(axis=0) walks the m rows one at a time,
    which for k = 20 channels is about six times slower.
    """
    key = (len(a), a.dtype.str)
    ones = _ONES.get(key)
    if ones is None:
        if len(_ONES) > 16:
            _ONES.clear()
        ones = _ONES[key] = np.ones(len(a), a.dtype)
    return np.matmul(ones, a, out=out)


# Per-channel arithmetic on (n, h, w, c) arrays broadcasts a (c,) vector over every pixel, and NumPy's
# innermost loop then runs over only c = 20 numbers, paying its overhead for every pixel. Seen as
# (n, h*w*c), with the vector repeated h*w times, the same arithmetic runs in loops of h*w*c numbers,
# several times faster. Column j of such a "wide" array holds channel j % c.

def _channel_sums(wide: np.ndarray, c: int) -> np.ndarray:
    """Per-channel sums (c,) of a wide (n, L) array: down the rows, then over the L / c pixels."""
    return wide.sum(axis=0).reshape(-1, c).sum(axis=0)


def _tiled(vector: np.ndarray, wide: np.ndarray) -> np.ndarray:
    """A per-channel vector (c,) repeated along a row of a wide (n, L) array, to broadcast over it."""
    return np.tile(vector, wide.shape[1] // len(vector))


def _image(shape: Sequence[int], layer: Layer) -> tuple[int, int, int]:
    if len(shape) != 3:
        raise ValueError(f"layer {layer.name} ({type(layer).__name__}) takes images (height, width, channels), "
                         f"got per-sample shape {tuple(shape)}")
    return tuple(int(s) for s in shape)


def _pair(value, name: str) -> tuple[int, int]:
    pair = (value, value) if isinstance(value, (int, np.integer)) and not isinstance(value, bool) else value
    try:
        return tuple(checks.count(v, name) for v in pair) if len(pair) == 2 else _bad_pair(value, name)
    except TypeError:
        return _bad_pair(value, name)


def _bad_pair(value, name):
    raise ValueError(f"{name} must be a positive whole number or a pair of them, got {value!r}")


def _flag(value, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def _initializer(name) -> str:
    if name not in INITIALIZERS:
        raise ValueError(f"unknown kernel_initializer {name!r}; expected one of {', '.join(INITIALIZERS)}")
    return name
