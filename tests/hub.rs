//! Hub ids resolved through `hf-hub` from a local hub cache (the layout that
//! `scripts/setup-base-model.sh` writes), offline. One test per process state: this file
//! sets HF_HOME / HF_HUB_OFFLINE for its own process only.

mod common;

use stance::model::Pooling;
use stance::store::dir::{LoadOptions, NewModel};
use stance::store::{ModelSource, StanceModel};

#[test]
fn hub_id_resolves_from_the_local_cache_offline() {
    let cache = common::root().join("models/hub-cache");
    if !cache.join("hub").is_dir() {
        stance::testing::skip(
            &common::caller(),
            &format!(
                "{} missing; run scripts/setup-base-model.sh",
                cache.display()
            ),
        );
        return;
    }
    std::env::set_var("HF_HOME", &cache);
    std::env::set_var("HF_HUB_OFFLINE", "1");
    let src = ModelSource::parse("sentence-transformers/all-MiniLM-L6-v2").unwrap();
    assert!(matches!(src, ModelSource::Hub { .. }));
    let cfg = src.file("config.json", true).unwrap().unwrap();
    assert!(
        cfg.to_string_lossy().contains("snapshots"),
        "{}",
        cfg.display()
    );
    let new = NewModel {
        labels: vec!["supportive".into(), "neutral".into(), "critical".into()],
        marker: None,
        pooling: Pooling::Cls,
        max_length: 64,
        seed: 1,
    };
    let m = StanceModel::from_base(&src, &new, &LoadOptions::default()).unwrap();
    assert_eq!(m.config().hidden_size, 384);
    assert_eq!(
        m.meta().base_model,
        "sentence-transformers/all-MiniLM-L6-v2"
    );

    // A file or repository that is not there: the error says where it looked and why nothing was downloaded.
    let e = src.file("no-such-file.bin", true).unwrap_err().to_string();
    assert!(
        e.contains("hub cache") && e.contains("HF_HUB_OFFLINE"),
        "{e}"
    );
    assert_eq!(src.file("optional.json", false).unwrap(), None);
    let e = StanceModel::load(
        &ModelSource::parse("nobody/nothing").unwrap(),
        &LoadOptions::default(),
    )
    .err()
    .unwrap()
    .to_string();
    assert!(
        e.contains("nobody/nothing") && e.contains("no such model in the local Hugging Face cache"),
        "{e}"
    );
    // A base encoder is not a stance model, and says so (not "no such model").
    let e = StanceModel::load(&src, &LoadOptions::default())
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("base encoder") && e.contains("train --base"),
        "{e}"
    );
}
