//! Property tests over everything that reads outside data: random and mutated inputs never
//! panic or hang, and every offset stays inside its text. Bounded: a fixed number of cases per
//! property (PROPTEST_CASES raises it for a longer run).

use proptest::prelude::*;
use stance::io::articles::Documents;
use stance::io::{read_examples, ReadOptions};
use stance::store::dir::LoadOptions;
use stance::store::{ModelSource, StanceModel};
use stance::testing::tiny_model;
use stance::text::actors::Gazetteer;
use stance::text::segment::sentences;
use std::sync::OnceLock;

fn cases(n: u32) -> ProptestConfig {
    let n = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(n);
    ProptestConfig {
        cases: n,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// News-like text: words, names the gazetteer knows, abbreviations, quotes, punctuation, line
/// breaks, and any other character.
fn newsy() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("Beijing".to_string()),
        Just("the Kremlin".to_string()),
        Just("U.S.".to_string()),
        Just("Mr.".to_string()),
        Just("Wang Yi".to_string()),
        Just("China’s".to_string()),
        Just("Wang".to_string()),
        Just("He said".to_string()),
        Just("said Wang,".to_string()),
        Just("May".to_string()),
        Just("Trump".to_string()),
        Just("President Xi".to_string()),
        Just("Chinese officials".to_string()),
        Just("spokesman Yun Sun said".to_string()),
        Just("according to".to_string()),
        Just("CHINA WARNS".to_string()),
        Just("‘".to_string()),
        Just("’".to_string()),
        Just("'".to_string()),
        Just("\"".to_string()),
        Just("“".to_string()),
        Just("”".to_string()),
        Just(". ".to_string()),
        Just("?! ".to_string()),
        Just("\n".to_string()),
        Just("\n\n".to_string()),
        Just("...".to_string()),
        "[a-zA-Z]{1,9}",
        any::<char>().prop_map(|c| c.to_string()),
        Just(" ".to_string()),
    ];
    prop::collection::vec(piece, 0..80).prop_map(|v| v.concat())
}

fn gazetteer() -> &'static Gazetteer {
    static G: OnceLock<Gazetteer> = OnceLock::new();
    G.get_or_init(|| Gazetteer::default_international().unwrap())
}

proptest! {
    #![proptest_config(cases(300))]

    #[test]
    fn segmenter_spans_are_ordered_non_empty_and_inside(text in newsy()) {
        let n = text.chars().count();
        let spans = sentences(&text);
        let mut last_end = 0;
        for s in &spans {
            prop_assert!(s.start < s.end && s.end <= n, "{s:?} in {n}");
            prop_assert!(s.start >= last_end, "overlap");
            last_end = s.end;
        }
    }

    #[test]
    fn gazetteer_mentions_are_inside_and_spell_the_text(text in newsy()) {
        let chars: Vec<char> = text.chars().collect();
        for m in gazetteer().find(&text) {
            prop_assert!(m.span.start < m.span.end && m.span.end <= chars.len());
            let got: String = chars[m.span.start..m.span.end].iter().collect();
            prop_assert_eq!(got, m.text.clone());
            prop_assert!(m.actor < gazetteer().actors().len());
        }
    }

    #[test]
    fn references_and_holders_stay_inside_and_never_panic(text in newsy()) {
        use stance::text::document::{analyse, Discover, MentionOptions};
        let g = gazetteer();
        for opts in [
            MentionOptions::default(),
            MentionOptions { demonyms: true, discover: Discover::Score },
        ] {
            let a = analyse(&text, g, &opts);
            let n_actors = g.actors().len() + a.discovered.len();
            let mut last = None;
            for s in &a.sentences {
                prop_assert!(last.is_none_or(|l| s.index > l), "sentences out of order");
                last = Some(s.index);
                let chars: Vec<char> = s.text.chars().collect();
                prop_assert_eq!(s.holders.len(), s.mentions.len());
                let mut end = 0;
                for (m, h) in s.mentions.iter().zip(&s.holders) {
                    prop_assert!(m.span.start >= end && m.span.start < m.span.end && m.span.end <= chars.len(), "{:?}", m);
                    end = m.span.end;
                    let got: String = chars[m.span.start..m.span.end].iter().collect();
                    prop_assert_eq!(got, m.text.clone());
                    prop_assert!(m.actor < n_actors);
                    prop_assert!(h.is_none_or(|h| h < n_actors && h != m.actor));
                }
            }
        }
    }

    #[test]
    fn article_and_archive_readers_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600), jsonl in any::<bool>()) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(if jsonl { "a.jsonl" } else { "a.txt" });
        std::fs::write(&p, &bytes).unwrap();
        let mut docs = Documents::open(&[p.display().to_string()]);
        let got: Vec<_> = docs.by_ref().collect();
        let mut ids: Vec<&str> = got.iter().map(|d| d.id.as_str()).collect();
        ids.sort();
        ids.dedup();
        prop_assert_eq!(ids.len(), got.len(), "ids must be unique");
        for pr in &docs.problems {
            prop_assert!(!pr.message.is_empty());
        }
    }

    #[test]
    fn jsonl_archives_with_mutated_records_never_panic(
        texts in prop::collection::vec(newsy(), 1..6),
        cut in any::<prop::sample::Index>(),
        junk in "[{}\":,a-z0-9 \\[\\]]{0,12}",
    ) {
        let mut s = String::new();
        for (i, t) in texts.iter().enumerate() {
            s += &serde_json::json!({"id": i, "text": t}).to_string();
            s.push('\n');
        }
        let at = cut.index(s.len() + 1);
        let at = (0..=at).rev().find(|&k| s.is_char_boundary(k)).unwrap_or(0);
        s.insert_str(at, &junk);
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.jsonl");
        std::fs::write(&p, &s).unwrap();
        let mut docs = Documents::open(&[p.display().to_string()]);
        let n = docs.by_ref().count();
        // Every record is either a document or a reported problem.
        let lines = s.lines().filter(|l| !l.trim().is_empty()).count();
        let skipped = docs.problems.iter().filter(|p| p.skipped).count();
        prop_assert!(n + skipped >= lines, "{n} documents + {skipped} skips < {lines} lines");
    }

    #[test]
    fn data_file_readers_never_panic(
        bytes in prop::collection::vec(any::<u8>(), 0..400),
        ext in prop_oneof![Just("jsonl"), Just("csv")],
        skip_bad in any::<bool>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(format!("d.{ext}"));
        std::fs::write(&p, &bytes).unwrap();
        if let Ok(ds) = read_examples(&p, &ReadOptions { skip_bad, require_label: false }) {
            for e in &ds.examples {
                let n = e.text.chars().count();
                prop_assert!(e.start < e.end && e.end <= n);
            }
        }
    }

    #[test]
    fn gold_files_gazetteers_and_partial_outputs_never_panic(
        text in newsy(),
        labels in prop::collection::vec((0usize..200, 1usize..20, prop_oneof![
            Just("China"), Just("+Acme"), Just("Wang Yi; holder=China"), Just("China; demonym"),
            Just(""), Just("Nowhere; holder=+X"), Just("China; holder="), Just("China; bogus"),
        ]), 0..4),
        bytes in prop::collection::vec(any::<u8>(), 0..400),
    ) {
        // Gold labels spliced into news-like text, well-formed or not.
        let mut gold: Vec<char> = text.chars().collect();
        for (at, len, label) in labels {
            let at = at.min(gold.len());
            let end = (at + len).min(gold.len());
            gold.insert(end, ')');
            for (k, c) in format!("]({label}").chars().enumerate() {
                gold.insert(end + k, c);
            }
            gold.insert(at, '[');
        }
        let gold: String = gold.into_iter().collect();
        if let Ok(doc) = stance::eval::mentions::parse_gold(std::path::Path::new("g.txt"), &gold) {
            let n = doc.text.chars().count();
            for r in &doc.refs {
                prop_assert!(r.start < r.end && r.end <= n);
            }
            let _ = stance::eval::mentions::check_gold(&doc, gazetteer());
        }
        // Random bytes as a gazetteer (TOML, JSON) and as a partial score output (JSONL, CSV).
        let dir = tempfile::tempdir().unwrap();
        for name in ["g.toml", "g.json"] {
            let p = dir.path().join(name);
            std::fs::write(&p, &bytes).unwrap();
            let _ = Gazetteer::from_file(&p);
        }
        let p = dir.path().join("out.partial");
        std::fs::write(&p, &bytes).unwrap();
        let labels: Vec<String> = ["supportive", "neutral", "critical"].iter().map(|s| s.to_string()).collect();
        for format in [stance::io::scores::Format::Jsonl, stance::io::scores::Format::Csv] {
            if let Ok(part) = stance::io::scores::read_partial(&p, format, &labels, &[], false, &mut |_| {}) {
                prop_assert!(part.keep as usize <= bytes.len());
            }
        }
    }

    #[test]
    fn standard_input_is_jsonl_whenever_a_json_object_comes_early(
        lines in prop::collection::vec(prop_oneof![
            Just("A note above the archive".to_string()),
            Just("[".to_string()),
            Just(String::new()),
            Just("{\"id\": \"x\", \"text\": \"China spoke.\"}".to_string()),
            Just("{\"body\": \"no text\"}".to_string()),
            Just("{broken".to_string()),
            "[a-zA-Z{}\\[\\]\":, ]{0,30}",
        ], 0..12),
    ) {
        let text = lines.join("\n");
        let docs = Documents::from_stream(std::io::Cursor::new(text.clone().into_bytes()));
        let problems_before = docs.problems.len();
        let mut docs = docs;
        let got: Vec<_> = docs.by_ref().collect();
        let object = |l: &str| serde_json::from_str::<serde_json::Value>(l.trim()).is_ok_and(|v| v.is_object());
        let non_blank: Vec<&String> = lines.iter().filter(|l| !l.trim().is_empty()).collect();
        if non_blank.iter().any(|l| object(l)) {
            // JSONL: every non-blank line is a document or a counted skip, never one article.
            let skipped = docs.problems.iter().filter(|p| p.skipped).count();
            prop_assert!(got.iter().all(|d| d.id != "stdin"));
            prop_assert_eq!(got.len() + skipped, non_blank.len(), "{:?} {:?}", got, docs.problems);
        } else if !non_blank.is_empty() {
            prop_assert_eq!(got.len(), 1);
            prop_assert_eq!(&got[0].id, "stdin");
        }
        prop_assert!(problems_before <= docs.problems.len());
    }

    #[test]
    fn csv_score_files_with_mutated_rows_never_panic_and_keep_every_row(
        text in newsy(),
        cells in prop::collection::vec("[a-z0-9|,{}:.\\-]{0,12}", 0..24),
        quote_at in any::<prop::sample::Index>(),
        rows in 1usize..6,
    ) {
        // A valid header, then rows of random cells (too few, too many, quotes, bad numbers).
        let labels: Vec<String> = ["supportive", "neutral", "critical"].map(String::from).to_vec();
        let mut csv = stance::io::scores::csv_header(&labels, &[]).join(",") + "\n";
        let valid = format!("d,0,0,5,China,country,,China,alias,0-5,neutral,,0.2,0.6,0.2,\"{}\",m@0,0.1.0,", text.replace('"', "'"));
        for r in 0..rows {
            csv += &valid;
            csv += "\n";
            let k = (r * 5) % (cells.len() + 1);
            csv += &cells[..k].join(",");
            csv += "\n";
        }
        let (mut records, mut errors) = (0usize, 0usize);
        let r = stance::io::scores::read_csv_scores(csv.as_bytes(), &mut |x| match x {
            Ok(rec) => records += rec.actors.len(),
            Err(_) => errors += 1,
        });
        prop_assert!(r.is_ok());
        // Every valid row is an actor entry of some record; a broken row is an entry or an error.
        prop_assert!(records >= rows, "{records} entries from {rows} valid rows");
        // An unbalanced quote joins lines into one field (CSV's rule): no panic, and what it
        // swallows comes back as an error row, not as silence.
        let at = quote_at.index(csv.len());
        let mut broken = csv.clone().into_bytes();
        broken.insert(at, b'"');
        let (mut entries, mut errors) = (0usize, 0usize);
        let _ = stance::io::scores::read_csv_scores(&broken[..], &mut |x| match x {
            Ok(rec) => entries += rec.actors.len(),
            Err(_) => errors += 1,
        });
        prop_assert!(entries + errors > 0 || at < csv.find('\n').unwrap_or(0) + 1);
    }

    #[test]
    fn simple_records_with_random_offsets_never_panic(text in newsy(), start in 0usize..200, len in 0usize..40) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("d.jsonl");
        let rec = serde_json::json!({"text": text, "target": "x", "start": start, "end": start + len});
        std::fs::write(&p, format!("{rec}\n")).unwrap();
        if let Ok(ds) = read_examples(&p, &ReadOptions { skip_bad: true, require_label: false }) {
            for e in &ds.examples {
                prop_assert!(e.start < e.end && e.end <= e.text.chars().count());
            }
        }
    }
}

proptest! {
    #![proptest_config(cases(60))]

    /// Any (text, span) the encoder accepts gives target positions inside the ids and within
    /// the model's length limit.
    #[test]
    fn pair_encoding_keeps_the_target_inside(text in newsy(), a in any::<prop::sample::Index>(), b in any::<prop::sample::Index>()) {
        static M: OnceLock<StanceModel> = OnceLock::new();
        let m = M.get_or_init(|| tiny_model(1).unwrap());
        let n = text.chars().count();
        let (s, e) = (a.index(n + 1), b.index(n + 1));
        if let Ok(enc) = m.pair_encoder().encode(&text, s.min(e), s.max(e)) {
            prop_assert!(enc.len() <= m.meta().max_length);
            prop_assert!(!enc.target.is_empty());
            for &t in &enc.target {
                prop_assert!(t < enc.len());
            }
        }
    }

    /// Mutated `stance.json` and `config.json`: loading gives a model or an error, never a
    /// panic.
    #[test]
    fn mutated_model_directories_never_panic(
        which in prop_oneof![Just("stance.json"), Just("config.json")],
        key in any::<prop::sample::Index>(),
        value in prop_oneof![
            Just(serde_json::json!(null)),
            Just(serde_json::json!(0)),
            Just(serde_json::json!(-1)),
            Just(serde_json::json!(1e300)),
            Just(serde_json::json!("x")),
            Just(serde_json::json!([])),
            Just(serde_json::json!(["a", "a"])),
            Just(serde_json::json!(100000)),
        ],
    ) {
        static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
        let base = DIR.get_or_init(|| {
            let d = tempfile::tempdir().unwrap();
            tiny_model(2).unwrap().save(&d.path().join("m"), candle_core::DType::F32).unwrap();
            d
        });
        let dir = tempfile::tempdir().unwrap();
        let m = dir.path().join("m");
        std::fs::create_dir_all(&m).unwrap();
        for f in ["stance.json", "config.json", "tokenizer.json", "model.safetensors"] {
            std::fs::copy(base.path().join("m").join(f), m.join(f)).unwrap();
        }
        let p = m.join(which);
        let mut v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        let keys: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        let k = &keys[key.index(keys.len())];
        v[k] = value;
        std::fs::write(&p, v.to_string()).unwrap();
        let _ = StanceModel::load(&ModelSource::Dir(m.clone()), &LoadOptions::default());
    }
}
