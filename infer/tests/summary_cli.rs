//! `infer summary` as a user runs it.

mod common;
use common::infer;

#[test]
fn vgg16_total_on_its_own_line() {
    let (code, stdout, _) = infer(&["summary", "--model", "vgg16"]);
    assert_eq!(code, 0);
    assert!(
        stdout.lines().any(|l| l == "Total params: 138,357,544"),
        "{stdout}"
    );
    assert!(stdout.contains("[1, 512, 7, 7]"));
}

#[test]
fn classes_and_input_overrides() {
    let (code, stdout, _) = infer(&["summary", "--model", "resnet18", "--num-classes", "10"]);
    assert_eq!(code, 0);
    assert!(
        stdout.lines().any(|l| l == "Total params: 11,181,642"),
        "{stdout}"
    );
    let (code, stdout, _) = infer(&[
        "summary",
        "--model",
        "lenet-fullyconv",
        "--input",
        "3x64x64",
    ]);
    assert_eq!(code, 0);
    assert!(stdout.contains("[1, 10, 9, 9]"), "{stdout}");
}

#[test]
fn bad_arguments_give_one_line_and_exit_code_2() {
    for args in [
        &["summary", "--model", "resnet19"][..],
        &["summary", "--model", "lenet5", "--input", "1x8x8"],
        &["summary", "--model", "lenet5", "--input", "1x32"],
        &["summary", "--num-classes", "-3"],
    ] {
        let (code, stdout, stderr) = infer(args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stdout.is_empty(), "{args:?}");
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    let (_, _, stderr) = infer(&["summary", "--model", "resnet19"]);
    assert_eq!(stderr.lines().count(), 1);
    assert!(stderr.contains("known models: lenet5"));
}
