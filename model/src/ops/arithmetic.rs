//! Convolution arithmetic (Dumoulin & Visin 2016, "A guide to convolution arithmetic"):
//! output sizes and parameter counts, as plain integers.

/// Output length of a convolution or pooling along one axis:
/// `floor((input + 2·padding − dilation·(kernel − 1) − 1) / stride) + 1`,
/// or 0 when the (dilated) kernel does not fit in the padded input.
///
/// `out_dim(32, 3, 1, 1, 1) == 32`, `out_dim(32, 6, 0, 2, 1) == 14`, `out_dim(227, 11, 0, 4, 1) == 55`.
pub fn out_dim(
    input: usize,
    kernel: usize,
    padding: usize,
    stride: usize,
    dilation: usize,
) -> usize {
    assert!(
        stride > 0 && dilation > 0 && kernel > 0,
        "kernel, stride and dilation must be positive"
    );
    let span = dilation * (kernel - 1) + 1;
    let padded = input + 2 * padding;
    if padded < span {
        0
    } else {
        (padded - span) / stride + 1
    }
}

/// Parameters of a 2-D convolution: `c_out · (c_in / groups) · kh · kw` weights, plus
/// `c_out` biases. 3 -> 10 channels with 3x3 kernels: 280.
pub fn conv2d_params(
    c_in: usize,
    c_out: usize,
    kernel: [usize; 2],
    groups: usize,
    bias: bool,
) -> usize {
    c_out * (c_in / groups) * kernel[0] * kernel[1] + if bias { c_out } else { 0 }
}

/// Parameters of a fully connected layer: `d_in · d_out` weights plus `d_out` biases.
pub fn linear_params(d_in: usize, d_out: usize, bias: bool) -> usize {
    d_in * d_out + if bias { d_out } else { 0 }
}
