//! The candle custom-op plumbing of the CPU kernels in one place: a kernel with one, two or
//! three inputs implements [`CpuOp1`] / [`CpuOp2`] / [`CpuOp3`] (its name, its forward pass on
//! the inputs' storage, its backward pass if it has one), and [`Op`] makes it a candle
//! `CustomOp1` / `CustomOp2` / `CustomOp3`; an in-place update implements [`CpuInplace2`] /
//! [`CpuInplace3`] on the slice it writes. Every output is f32.

use super::storage::{cpu_f32, cpu_f32_2d, cpu_f32_mut, cpu_u32};
use candle_core::{CpuStorage, Layout, Result, Shape, Tensor};

/// One input of a CPU op: its storage and layout, read as the op needs them (errors name the
/// op).
#[derive(Clone, Copy)]
pub struct Input<'a> {
    storage: &'a CpuStorage,
    layout: &'a Layout,
    op: &'static str,
}

impl<'a> Input<'a> {
    fn new(storage: &'a CpuStorage, layout: &'a Layout, op: &'static str) -> Self {
        Self {
            storage,
            layout,
            op,
        }
    }

    /// The contiguous f32 values.
    pub fn f32(&self) -> Result<&'a [f32]> {
        cpu_f32(self.storage, self.layout, self.op)
    }

    /// The contiguous f32 values of a 2-D input with its `(rows, columns)`.
    pub fn f32_2d(&self) -> Result<(&'a [f32], (usize, usize))> {
        cpu_f32_2d(self.storage, self.layout, self.op)
    }

    /// The contiguous u32 values (token ids).
    pub fn u32(&self) -> Result<&'a [u32]> {
        cpu_u32(self.storage, self.layout, self.op)
    }

    pub fn shape(&self) -> &'a Shape {
        self.layout.shape()
    }
}

/// The gradients of an op's inputs (`None`: no gradient flows to that input).
pub type Grads<const N: usize> = [Option<Tensor>; N];

/// A kernel with one input; [`Op`] makes it a candle `CustomOp1`.
pub trait CpuOp1: Send + Sync {
    const NAME: &'static str;
    /// The output values and shape.
    fn fwd(&self, x: Input) -> Result<(Vec<f32>, Shape)>;
    /// The input's gradient from the output's (`res` is the output).
    fn bwd(&self, _arg: &Tensor, _res: &Tensor, _grad: &Tensor) -> Result<Option<Tensor>> {
        Err(candle_core::Error::BackwardNotSupported { op: Self::NAME })
    }
}

/// A kernel with two inputs; [`Op`] makes it a candle `CustomOp2`.
pub trait CpuOp2: Send + Sync {
    const NAME: &'static str;
    /// The output values and shape.
    fn fwd(&self, a: Input, b: Input) -> Result<(Vec<f32>, Shape)>;
    /// The inputs' gradients from the output's (`res` is the output).
    fn bwd(&self, _args: [&Tensor; 2], _res: &Tensor, _grad: &Tensor) -> Result<Grads<2>> {
        Err(candle_core::Error::BackwardNotSupported { op: Self::NAME })
    }
}

/// A kernel with three inputs; [`Op`] makes it a candle `CustomOp3`.
pub trait CpuOp3: Send + Sync {
    const NAME: &'static str;
    /// The output values and shape.
    fn fwd(&self, a: Input, b: Input, c: Input) -> Result<(Vec<f32>, Shape)>;
    /// The inputs' gradients from the output's (`res` is the output).
    fn bwd(&self, _args: [&Tensor; 3], _res: &Tensor, _grad: &Tensor) -> Result<Grads<3>> {
        Err(candle_core::Error::BackwardNotSupported { op: Self::NAME })
    }
}

/// An in-place update of one tensor from another; [`Op`] makes it a candle `InplaceOp2`.
pub trait CpuInplace2: Send + Sync {
    const NAME: &'static str;
    fn fwd(&self, dst: &mut [f32], src: Input) -> Result<()>;
}

/// An in-place update of one tensor from two others; [`Op`] makes it a candle `InplaceOp3`.
pub trait CpuInplace3: Send + Sync {
    const NAME: &'static str;
    fn fwd(&self, dst: &mut [f32], a: Input, b: Input) -> Result<()>;
}

/// A kernel's output values and shape as candle storage.
fn f32_storage((y, shape): (Vec<f32>, Shape)) -> (CpuStorage, Shape) {
    (CpuStorage::F32(y), shape)
}

/// A CPU kernel as a candle op (see the traits above).
pub struct Op<T>(pub T);

impl<T: CpuOp1> candle_core::CustomOp1 for Op<T> {
    fn name(&self) -> &'static str {
        T::NAME
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        self.0.fwd(Input::new(s, l, T::NAME)).map(f32_storage)
    }

    fn bwd(&self, arg: &Tensor, res: &Tensor, grad: &Tensor) -> Result<Option<Tensor>> {
        self.0.bwd(arg, res, grad)
    }
}

impl<T: CpuOp2> candle_core::CustomOp2 for Op<T> {
    fn name(&self) -> &'static str {
        T::NAME
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (a, b) = (Input::new(s1, l1, T::NAME), Input::new(s2, l2, T::NAME));
        self.0.fwd(a, b).map(f32_storage)
    }

    fn bwd(
        &self,
        a: &Tensor,
        b: &Tensor,
        res: &Tensor,
        grad: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        let [da, db] = self.0.bwd([a, b], res, grad)?;
        Ok((da, db))
    }
}

impl<T: CpuOp3> candle_core::CustomOp3 for Op<T> {
    fn name(&self) -> &'static str {
        T::NAME
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (a, b) = (Input::new(s1, l1, T::NAME), Input::new(s2, l2, T::NAME));
        self.0
            .fwd(a, b, Input::new(s3, l3, T::NAME))
            .map(f32_storage)
    }

    fn bwd(
        &self,
        a: &Tensor,
        b: &Tensor,
        c: &Tensor,
        res: &Tensor,
        grad: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let [da, db, dc] = self.0.bwd([a, b, c], res, grad)?;
        Ok((da, db, dc))
    }
}

impl<T: CpuInplace2> candle_core::InplaceOp2 for Op<T> {
    fn name(&self) -> &'static str {
        T::NAME
    }

    fn cpu_fwd(
        &self,
        s1: &mut CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<()> {
        self.0
            .fwd(cpu_f32_mut(s1, l1, T::NAME)?, Input::new(s2, l2, T::NAME))
    }
}

impl<T: CpuInplace3> candle_core::InplaceOp3 for Op<T> {
    fn name(&self) -> &'static str {
        T::NAME
    }

    fn cpu_fwd(
        &self,
        s1: &mut CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> Result<()> {
        let (a, b) = (Input::new(s2, l2, T::NAME), Input::new(s3, l3, T::NAME));
        self.0.fwd(cpu_f32_mut(s1, l1, T::NAME)?, a, b)
    }
}
