//! Training augmentation on normalized CHW images: torchvision's `RandomCrop(size,
//! padding=p)` followed by `RandomHorizontalFlip(0.5)`, fused into one copy, with a small
//! seeded random generator (SplitMix64) so runs are reproducible.

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny, fast, well-mixed 64-bit generator.
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator whose stream is fully determined by `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A uniform integer in `0..n` (`n > 0`), by the multiply-shift method.
    pub fn below(&mut self, n: usize) -> usize {
        (((self.next_u64() >> 32) * n as u64) >> 32) as usize
    }

    /// A fair coin.
    pub fn coin(&mut self) -> bool {
        self.next_u64() >> 63 == 1
    }
}

/// Where one augmented image reads from: output pixel `(y, x)` is source pixel
/// `(y + dy, x' + dx)` with `x' = W-1-x` when flipped, else `x`; outside the source it is
/// the fill value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CropFlip {
    /// Vertical shift, `-padding..=padding`.
    pub dy: isize,
    /// Horizontal shift, `-padding..=padding`.
    pub dx: isize,
    /// Mirror left-right.
    pub flip: bool,
}

impl CropFlip {
    /// A random crop offset (uniform over the `(2p+1)^2` positions of a `padding`-padded image,
    /// as `RandomCrop`) and a coin-flip mirror (as `RandomHorizontalFlip(0.5)`).
    pub fn random(rng: &mut SplitMix64, padding: usize) -> Self {
        Self::random_with(rng, padding, true)
    }

    /// [`Self::random`], mirroring only when `flip` is allowed (not for digits: a mirrored 3 is
    /// no digit).
    pub fn random_with(rng: &mut SplitMix64, padding: usize, flip: bool) -> Self {
        let p = padding as isize;
        let dy = rng.below(2 * padding + 1) as isize - p;
        let dx = rng.below(2 * padding + 1) as isize - p;
        let mirror = rng.coin();
        Self {
            dy,
            dx,
            flip: flip && mirror,
        }
    }

    /// Writes the augmented `src` (`[C, H, W]` floats) into `out` (same size); `fill[c]` is
    /// the value of pixels that come from the padding.
    pub fn apply(&self, src: &[f32], shape: [usize; 3], fill: &[f32], out: &mut [f32]) {
        let [c, h, w] = shape;
        debug_assert_eq!(src.len(), c * h * w);
        debug_assert_eq!(out.len(), c * h * w);
        let (hi, wi) = (h as isize, w as isize);
        // Output columns that read inside the source, and the first source column they read.
        let (x0, x1) = if self.flip {
            (self.dx.max(0), (wi + self.dx).min(wi))
        } else {
            ((-self.dx).max(0), (wi - self.dx).min(wi))
        };
        let (x0, x1) = (x0.clamp(0, wi) as usize, x1.clamp(0, wi) as usize);
        for ch in 0..c {
            let plane = &src[ch * h * w..(ch + 1) * h * w];
            let fill = fill[ch];
            for y in 0..h {
                let row = &mut out[(ch * h + y) * w..(ch * h + y + 1) * w];
                let sy = y as isize + self.dy;
                if sy < 0 || sy >= hi || x0 >= x1 {
                    row.fill(fill);
                    continue;
                }
                let src_row = &plane[sy as usize * w..(sy as usize + 1) * w];
                row[..x0].fill(fill);
                row[x1..].fill(fill);
                if self.flip {
                    // x in [x0, x1) reads w-1-x+dx, from w-x0+dx-1 down to w-x1+dx.
                    let s0 = (wi - x1 as isize + self.dx) as usize;
                    let s1 = (wi - x0 as isize + self.dx) as usize;
                    for (d, &s) in row[x0..x1].iter_mut().zip(src_row[s0..s1].iter().rev()) {
                        *d = s;
                    }
                } else {
                    let s0 = (x0 as isize + self.dx) as usize;
                    row[x0..x1].copy_from_slice(&src_row[s0..s0 + (x1 - x0)]);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition, pixel by pixel.
    fn reference(cf: CropFlip, src: &[f32], [c, h, w]: [usize; 3], fill: &[f32]) -> Vec<f32> {
        let mut out = Vec::new();
        for ch in 0..c {
            for y in 0..h {
                for x in 0..w {
                    let xs = if cf.flip { w - 1 - x } else { x } as isize + cf.dx;
                    let ys = y as isize + cf.dy;
                    out.push(
                        if (0..h as isize).contains(&ys) && (0..w as isize).contains(&xs) {
                            src[ch * h * w + ys as usize * w + xs as usize]
                        } else {
                            fill[ch]
                        },
                    );
                }
            }
        }
        out
    }

    #[test]
    fn fused_crop_flip_matches_the_definition_for_every_offset() {
        let shape = [2, 5, 6];
        let src: Vec<f32> = (0..60).map(|v| v as f32).collect();
        let fill = [-1.0, -2.0];
        for dy in -7..=7 {
            for dx in -7..=7 {
                for flip in [false, true] {
                    let cf = CropFlip { dy, dx, flip };
                    let mut out = vec![0.0; 60];
                    cf.apply(&src, shape, &fill, &mut out);
                    assert_eq!(out, reference(cf, &src, shape, &fill), "{cf:?}");
                }
            }
        }
    }

    #[test]
    fn without_flip_only_shifts() {
        let mut rng = SplitMix64::new(3);
        let draws: Vec<CropFlip> = (0..500)
            .map(|_| CropFlip::random_with(&mut rng, 2, false))
            .collect();
        assert!(
            draws
                .iter()
                .all(|d| !d.flip && d.dx.abs() <= 2 && d.dy.abs() <= 2)
        );
        assert!(draws.iter().any(|d| d.dx == -2) && draws.iter().any(|d| d.dy == 2));
    }

    #[test]
    fn random_offsets_cover_the_padding_uniformly_and_flip_half_the_time() {
        let mut rng = SplitMix64::new(7);
        let mut counts = [[0usize; 9]; 2];
        let mut flips = 0;
        for _ in 0..90_000 {
            let cf = CropFlip::random(&mut rng, 4);
            counts[0][(cf.dy + 4) as usize] += 1;
            counts[1][(cf.dx + 4) as usize] += 1;
            flips += usize::from(cf.flip);
        }
        for c in counts.iter().flatten() {
            assert!((9_400..10_600).contains(c), "{counts:?}");
        }
        assert!((44_000..46_000).contains(&flips), "{flips}");
    }
}
