//! torchvision's pretrained weights by name: the table's shape (every torchvision architecture
//! of the zoo, torchvision's `<arch>-<hash8>.pth` names), torch's cache folder, and downloads
//! against a tiny HTTP server on 127.0.0.1 (this machine has no internet): success into the
//! cache, hash mismatch, truncation, 404, refused connection, and a cached file used without
//! a request.

#[path = "../../data/tests/integration/http_server.rs"]
mod http_server;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use http_server::{Reply, Server};
use interop::pretrained::{
    self, MIRROR_ENV, PRETRAINED, PretrainedWeights, UPSTREAM, cache_dir, fetch, hash_in_file_name,
    lookup,
};

fn fixture() -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lenet5.pth")).unwrap()
}

/// A fresh empty folder.
fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("interop-pretrained-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The names in `dir` (temporary download files included).
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// A table entry for the LeNet-5 fixture, named torchvision's way after its real sha256.
fn fixture_entry(prefix: &'static str) -> PretrainedWeights {
    let name: &'static str = Box::leak(format!("lenet5-{prefix}.pth").into_boxed_str());
    PretrainedWeights {
        model: "lenet5",
        file_name: name,
        sha256_prefix: prefix,
        ..PRETRAINED[0]
    }
}

fn real_prefix() -> &'static str {
    Box::leak(
        data::download::sha256(&fixture())[..8]
            .to_string()
            .into_boxed_str(),
    )
}

#[test]
fn the_table_names_torchvision_files_for_every_torchvision_architecture_of_the_zoo() {
    let names: BTreeSet<&str> = PRETRAINED.iter().map(|w| w.model).collect();
    assert_eq!(names.len(), PRETRAINED.len(), "one entry per architecture");
    // Every 1000-class zoo architecture in torchvision's layout (the paper AlexNet, with LRN
    // and 96 first filters, has no torchvision weights).
    let torchvision: BTreeSet<&str> = model::ZOO
        .iter()
        .filter(|e| e.num_classes == 1000 && e.name != "alexnet")
        .map(|e| e.name)
        .collect();
    assert_eq!(names, torchvision);
    for w in &PRETRAINED {
        assert_eq!(w.sha256_prefix.len(), 8, "{}", w.model);
        assert!(
            w.sha256_prefix
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        // torchvision's <arch>-<hash8>.pth, the hash where torch's check_hash reads it.
        assert_eq!(
            hash_in_file_name(w.file_name),
            Some(w.sha256_prefix),
            "{}",
            w.file_name
        );
        assert!(w.file_name.ends_with(&format!("-{}.pth", w.sha256_prefix)));
        let arch = w.model.trim_end_matches("-torchvision");
        assert!(
            w.file_name.starts_with(&format!("{arch}-")),
            "{}",
            w.file_name
        );
        assert_eq!(w.url(None), format!("{UPSTREAM}{}", w.file_name));
        assert!(w.weights.contains("_Weights.IMAGENET1K_V"), "{}", w.weights);
        assert!((50.0..90.0).contains(&w.top1) && w.top1 < w.top5 && w.top5 < 100.0);
        assert_eq!(w.crop, 224);
        assert!([232, 256].contains(&w.resize));
    }
    // torch's regex takes the first '-' followed by hex digits and a '.'.
    assert_eq!(
        hash_in_file_name("alexnet-owt-7be5be79.pth"),
        Some("7be5be79")
    );
    assert_eq!(hash_in_file_name("model.pth"), None);
    // Parameter counts as torchvision's `num_params` (the small ones built here).
    let device = burn::prelude::Device::flex();
    for name in ["resnet18", "googlenet"] {
        let net = model::ModelConfig::new(name.into()).init(&device).unwrap();
        assert_eq!(
            model::trainable_params(&net),
            lookup(name).unwrap().params,
            "{name}"
        );
    }
    let e = lookup("lenet5").unwrap_err().to_string();
    assert!(e.contains("lenet5") && e.contains("resnet18"), "{e}");
}

#[test]
fn the_cache_is_torchs_and_the_mirror_comes_from_the_flag_or_the_environment() {
    // The only test here that touches the environment.
    unsafe {
        std::env::set_var("TORCH_HOME", "/somewhere/torch");
    }
    assert_eq!(cache_dir(), Path::new("/somewhere/torch/hub/checkpoints"));
    unsafe {
        std::env::remove_var("TORCH_HOME");
        std::env::set_var("XDG_CACHE_HOME", "/xdg");
    }
    assert_eq!(cache_dir(), Path::new("/xdg/torch/hub/checkpoints"));
    unsafe {
        std::env::remove_var("XDG_CACHE_HOME");
        std::env::set_var("HOME", "/home/user");
    }
    assert_eq!(
        cache_dir(),
        Path::new("/home/user/.cache/torch/hub/checkpoints")
    );

    unsafe {
        std::env::remove_var(MIRROR_ENV);
    }
    assert_eq!(pretrained::mirror(None), None);
    unsafe {
        std::env::set_var(MIRROR_ENV, "http://mirror.local/models/");
    }
    assert_eq!(
        pretrained::mirror(None).as_deref(),
        Some("http://mirror.local/models/")
    );
    assert_eq!(
        pretrained::mirror(Some("http://flag/")).as_deref(),
        Some("http://flag/")
    );
    let w = lookup("resnet18").unwrap();
    assert_eq!(
        w.url(Some("http://mirror.local/models/")),
        "http://mirror.local/models/resnet18-f37072fd.pth"
    );
}

#[test]
fn a_download_lands_in_the_cache_once_and_is_then_used_without_a_request() {
    let prefix = real_prefix();
    let entry = fixture_entry(prefix);
    let server = Server::start(HashMap::from([(
        format!("/models/{}", entry.file_name),
        Reply::Body(fixture()),
    )]));
    let cache = scratch("ok").join("hub/checkpoints");
    let mirror = format!("{}/models/", server.url());
    let path = fetch(&entry, &cache, Some(&mirror), false).unwrap();
    assert_eq!(path, cache.join(entry.file_name));
    assert_eq!(std::fs::read(&path).unwrap(), fixture());
    assert_eq!(listing(&cache), [entry.file_name]);
    assert_eq!(server.requests(), 1);
    // Cached: no request, the same file; and it loads as a LeNet-5.
    assert_eq!(fetch(&entry, &cache, Some(&mirror), false).unwrap(), path);
    assert_eq!(server.requests(), 1);
    let net = model::ModelConfig::new("lenet5".into())
        .init(&burn::prelude::Device::flex())
        .unwrap();
    let (_, report) = interop::load_weights(net, &path, interop::LoadOptions::default()).unwrap();
    assert!(report.is_complete(), "{report}");
}

#[test]
fn failed_downloads_leave_nothing_and_say_where_to_put_the_file() {
    let entry = fixture_entry(real_prefix());
    let bytes = fixture();
    let wrong = fixture_entry("00000000");
    let server = Server::start(HashMap::from([
        (
            format!("/m/{}", wrong.file_name),
            Reply::Body(bytes.clone()),
        ),
        (
            format!("/cut/{}", entry.file_name),
            Reply::Truncated(bytes.clone(), bytes.len() / 3),
        ),
    ]));
    let cache = scratch("bad");
    let cases = [
        (
            &wrong,
            format!("{}/m/", server.url()),
            ["checksum mismatch"; 2],
        ),
        (
            &entry,
            format!("{}/cut/", server.url()),
            ["truncated", "connection lost"],
        ),
        (
            &entry,
            format!("{}/missing/", server.url()),
            ["HTTP 404"; 2],
        ),
    ];
    for (weights, mirror, problem) in cases {
        let e = fetch(weights, &cache, Some(&mirror), false)
            .unwrap_err()
            .to_string();
        assert!(problem.iter().any(|p| e.contains(p)), "{e}");
        assert!(e.contains(&weights.url(Some(&mirror))), "the URL: {e}");
        assert!(
            e.contains(&cache.join(weights.file_name).display().to_string()),
            "{e}"
        );
        assert_eq!(e.lines().count(), 1, "{e}");
        assert!(
            listing(&cache).is_empty(),
            "{problem:?}: {:?}",
            listing(&cache)
        );
    }
    // Nothing listens: refused, the same one line.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let mirror = format!("http://127.0.0.1:{closed}/");
    let e = fetch(&entry, &cache, Some(&mirror), false)
        .unwrap_err()
        .to_string();
    assert!(e.contains(&format!("{mirror}{}", entry.file_name)), "{e}");
    assert!(e.contains("put it at"), "{e}");
    assert!(listing(&cache).is_empty());
}
