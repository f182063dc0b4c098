//! ImageNet inference the torchvision way: the 1000 class names (torchvision's
//! `_IMAGENET_CATEGORIES`, shipped in `imagenet_classes.txt`) and the evaluation transform
//! `Resize(256)`, `CenterCrop(224)`, `Normalize(mean, std)`.

use std::sync::OnceLock;

/// Shorter side after the resize.
pub const IMAGENET_RESIZE: usize = 256;
/// Side of the centre crop fed to the network.
pub const IMAGENET_CROP: usize = 224;
pub use interop::pretrained::{IMAGENET_MEAN, IMAGENET_STD};

/// `imagenet_classes.txt`: one class name a line, in label order.
const CLASSES: &str = include_str!("../imagenet_classes.txt");

/// The 1000 class names, index = label.
pub fn class_names() -> &'static [&'static str] {
    static NAMES: OnceLock<Vec<&'static str>> = OnceLock::new();
    NAMES.get_or_init(|| CLASSES.lines().collect())
}

#[cfg(test)]
mod tests {
    #[test]
    fn there_are_1000_classes_in_torchvision_order() {
        let names = super::class_names();
        assert_eq!(names.len(), 1000);
        assert_eq!(names[0], "tench");
        assert_eq!(names[207], "golden retriever");
        assert_eq!(names[999], "toilet tissue");
    }
}
