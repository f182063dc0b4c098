//! `infer samples`: the tutorial's "Sample Test Predictions" grid — random test images titled
//! `Prediction: 7 (truth 7)`, wrong ones in red — or, with `--truth-only`, the "Ground Truth"
//! grid used to explore a dataset.

use burn::data::dataset::Dataset;
use data::augment::SplitMix64;
use data::{ImageDataset, PreparedDataset};

use crate::draw::Tile;
use crate::loaded_model::LoadedModel;
use crate::predict::most_probable;

/// Mixed into `--seed` before it seeds the generator (SplitMix64's own increment), so that the
/// images chosen for a seed stay those earlier versions chose.
const SEED_MIX: u64 = 0x9e37_79b9_7f4a_7c15;

/// `n` distinct indices in `0..len`, chosen with `seed` (a partial Fisher-Yates shuffle).
pub fn choose(len: usize, n: usize, seed: u64) -> Vec<usize> {
    let mut rng = SplitMix64::new(seed ^ SEED_MIX);
    let mut indices: Vec<usize> = (0..len).collect();
    let n = n.min(len);
    for i in 0..n {
        let j = i + (rng.next_u64() % (len - i) as u64) as usize;
        indices.swap(i, j);
    }
    indices.truncate(n);
    indices
}

/// Tiles for the images `indices` of the raw test set: titled with the model's prediction
/// and the truth (wrong ones marked), or with the truth alone when `model` is `None`.
pub fn tiles(
    raw: &ImageDataset,
    prepared: &PreparedDataset,
    indices: &[usize],
    model: Option<&LoadedModel>,
) -> Vec<Tile> {
    let names = raw.class_names();
    let predicted: Option<Vec<usize>> = model.map(|model| {
        let pixels: Vec<f32> = indices
            .iter()
            .filter_map(|&i| prepared.get(i).ok())
            .flat_map(|item| item.image)
            .collect();
        model
            .probabilities(pixels, indices.len())
            .iter()
            .map(|p| most_probable(p))
            .collect()
    });
    indices
        .iter()
        .enumerate()
        .map(|(k, &i)| {
            let truth = raw.label(i);
            let (title, wrong) = match &predicted {
                Some(p) => (
                    format!("Prediction: {} (truth {})", names[p[k]], names[truth]),
                    p[k] != truth,
                ),
                None => (format!("Truth: {}", names[truth]), false),
            };
            Tile {
                pixels: raw.image(i).to_vec(),
                shape: raw.shape(),
                title,
                wrong,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choose_picks_the_same_images_for_a_seed() {
        // The indices `infer samples` has always shown for these seeds (MNIST's 10,000 test
        // images): a change of generator or seeding would show other images.
        assert_eq!(
            choose(10_000, 16, 0),
            [
                5700, 695, 9176, 3946, 6250, 6128, 9130, 7236, 7342, 4467, 56, 1832, 2411, 1113,
                5005, 5925
            ]
        );
        assert_eq!(
            choose(10_000, 8, 7),
            [5729, 5955, 5410, 7961, 1146, 4936, 7173, 4869]
        );
        // Asking for more than there are: all of them, shuffled.
        assert_eq!(choose(5, 10, 42), [1, 3, 2, 0, 4]);
        assert!(choose(0, 3, 1).is_empty());
    }
}
