//! The torchsummary-style table: rows cover every parameter, totals match PyTorch.

use burn::prelude::*;
use model::summary::{summarize, thousands};
use model::trainable_params;
use model::zoo::{ModelConfig, ZOO};

#[test]
fn every_zoo_model_summarizes_with_rows_that_add_up() {
    let device = Device::flex();
    for entry in ZOO {
        let net = ModelConfig::new(entry.name.into()).init(&device).unwrap();
        let summary = summarize(&net, entry.input, &device);
        let row_total: usize = summary.rows.iter().map(|r| r.params).sum();
        assert_eq!(
            row_total, summary.trainable_params,
            "{}: rows miss parameters",
            entry.name
        );
        assert_eq!(
            summary.trainable_params,
            trainable_params(&net),
            "{}",
            entry.name
        );
        assert_eq!(
            summary.rows.last().unwrap().shape,
            vec![1, entry.num_classes],
            "{}",
            entry.name
        );
        assert!(summary.activation_elements() > 0);
    }
}

#[test]
fn lenet5_table() {
    let device = Device::flex();
    let net = ModelConfig::new("lenet5".into()).init(&device).unwrap();
    let summary = summarize(&net, [1, 32, 32], &device);
    let rows: Vec<(&str, Vec<usize>, usize)> = summary
        .rows
        .iter()
        .map(|r| (r.path.as_str(), r.shape.clone(), r.params))
        .collect();
    assert_eq!(rows[0], ("c1", vec![1, 6, 28, 28], 156));
    assert_eq!(rows[2], ("s2", vec![1, 6, 14, 14], 0));
    assert_eq!(rows[3], ("c3", vec![1, 16, 10, 10], 2_416));
    assert_eq!(rows[5], ("s4", vec![1, 16, 5, 5], 0));
    assert_eq!(rows[7], ("c5", vec![1, 120], 48_120));
    assert_eq!(rows[11], ("output", vec![1, 10], 850));
    let text = summary.to_string();
    assert!(text.lines().any(|l| l == "Total params: 61,706"), "{text}");
    // 6·28·28 ·2 (conv + relu) + 6·14·14 + 16·10·10 ·2 + 16·5·5 + 400 + 120·2 + 84·2 + 10
    assert_eq!(
        summary.activation_elements(),
        9_408 + 1_176 + 3_200 + 400 + 400 + 240 + 168 + 10
    );
}

#[test]
fn batch_norm_buffers_are_reported_apart() {
    let device = Device::flex();
    let net = ModelConfig::new("lenet-res".into()).init(&device).unwrap();
    let summary = summarize(&net, [1, 32, 32], &device);
    assert_eq!(summary.trainable_params, 76_270);
    assert_eq!(summary.buffers, 2 * (6 + 16));
    let bn1 = summary.rows.iter().find(|r| r.path == "bn1").unwrap();
    assert_eq!((bn1.kind, bn1.params), ("BatchNorm", 12));
}

#[test]
fn thousands_separators() {
    assert_eq!(thousands(0), "0");
    assert_eq!(thousands(999), "999");
    assert_eq!(thousands(1_000), "1,000");
    assert_eq!(thousands(138_357_544), "138,357,544");
}
