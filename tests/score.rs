//! End-to-end `score` on articles with a tiny random model: structure, offsets, order, resume,
//! bad input. (Stances of a random model are meaningless; the pipeline is what is tested.)

mod common;

use stance::commands::score::{
    score, Discover, Format, MentionOptions, NoScoreProgress, ScoreConfig, ScoreProgress,
    ScoreStats, SentenceOut,
};
use stance::infer::InferOptions;
use stance::testing::tiny_model;
use stance::text::actors::Gazetteer;
use stance::text::actors::Via;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

fn example() -> PathBuf {
    common::root().join("datasets/examples/diplomacy-brief.txt")
}

/// `score` without progress or a stop signal.
fn score_with(
    model: &stance::store::StanceModel,
    gaz: &Gazetteer,
    c: &ScoreConfig,
) -> stance::Result<stance::commands::score::ScoreStats> {
    score(
        model,
        gaz,
        c,
        &NoScoreProgress,
        &AtomicBool::new(false),
        &mut std::io::sink(),
    )
}

fn cfg(inputs: Vec<String>, out: Option<PathBuf>) -> ScoreConfig {
    ScoreConfig {
        fields: Default::default(),
        field_columns: Vec::new(),
        inputs,
        output: out,
        format: Format::Jsonl,
        summary: None,
        resume: false,
        infer: InferOptions::default(),
        chunk_docs: 2,
        keep_going: false,
        shard: None,
        mentions: Default::default(),
        any_language: false,
    }
}

fn read_lines(p: &Path) -> Vec<SentenceOut> {
    std::fs::read_to_string(p)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn without_an_output_file_the_lines_go_to_the_callers_stream() {
    // The library never writes standard output itself: the CLI hands it in.
    let model = tiny_model(1).unwrap();
    let gaz = Gazetteer::default_international().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.jsonl");
    let to_file = cfg(vec![example().display().to_string()], Some(out.clone()));
    score(
        &model,
        &gaz,
        &to_file,
        &NoScoreProgress,
        &AtomicBool::new(false),
        &mut std::io::sink(),
    )
    .unwrap();
    let mut stream = Vec::new();
    let to_stream = cfg(vec![example().display().to_string()], None);
    let stats = score(
        &model,
        &gaz,
        &to_stream,
        &NoScoreProgress,
        &AtomicBool::new(false),
        &mut stream,
    )
    .unwrap();
    assert!(stats.sentences_with_actors > 0);
    assert_eq!(
        String::from_utf8(stream).unwrap(),
        std::fs::read_to_string(&out).unwrap()
    );
}

#[test]
fn scores_the_example_article_with_offsets_and_order() {
    let model = tiny_model(1).unwrap();
    let gaz = Gazetteer::default_international().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.jsonl");
    let mut c = cfg(vec![example().display().to_string()], Some(out.clone()));
    c.summary = Some(dir.path().join("summary.jsonl"));
    let stats = score(
        &model,
        &gaz,
        &c,
        &NoScoreProgress,
        &AtomicBool::new(false),
        &mut std::io::sink(),
    )
    .unwrap();
    assert_eq!(stats.documents, 1);
    assert!(!dir.path().join("out.jsonl.partial").exists());
    let lines = read_lines(&out);
    assert_eq!(lines.len(), stats.sentences_with_actors);
    let text = std::fs::read_to_string(example()).unwrap();
    let chars: Vec<char> = text.chars().collect();
    let mut last = None;
    let mut found: Vec<String> = Vec::new();
    for l in &lines {
        assert!(
            last.is_none_or(|x| l.sentence > x),
            "sentences out of order"
        );
        last = Some(l.sentence);
        assert_eq!(chars[l.start..l.end].iter().collect::<String>(), l.text);
        let sc: Vec<char> = l.text.chars().collect();
        for a in &l.actors {
            assert!(model.labels().contains(&a.stance));
            let total: f32 = a.scores.values().sum();
            assert!((total - 1.0).abs() < 1e-4);
            for m in &a.mentions {
                assert_eq!(sc[m.start..m.end].iter().collect::<String>(), m.text);
            }
            found.push(a.actor.clone());
        }
    }
    for want in [
        "China",
        "Russia",
        "Ukraine",
        "United States",
        "European Union",
        "NATO",
        "UN General Assembly",
        "Wang Yi",
        "Volodymyr Zelensky",
        "Josep Borrell",
        "Wang Wenbin",
        "Dmitry Peskov",
        "Jens Stoltenberg",
    ] {
        assert!(
            found.iter().any(|f| f == want),
            "{want} not found in {found:?}"
        );
    }
    // Beijing and China’s in one sentence combine into one China entry with two mentions.
    let s1 = &lines
        .iter()
        .find(|l| l.text.starts_with("China’s foreign minister"))
        .unwrap();
    let china = s1.actors.iter().find(|a| a.actor == "China").unwrap();
    assert_eq!(
        china
            .mentions
            .iter()
            .map(|m| m.text.as_str())
            .collect::<Vec<_>>(),
        vec!["China", "Beijing"]
    );
    let summary = std::fs::read_to_string(dir.path().join("summary.jsonl")).unwrap();
    let china_row: serde_json::Value = summary
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|v| v["actor"] == "China")
        .unwrap();
    let n = lines
        .iter()
        .filter(|l| l.actors.iter().any(|a| a.actor == "China"))
        .count();
    assert_eq!(china_row["sentences"], serde_json::json!(n));
}

#[test]
fn the_real_article_from_shared_finds_the_expected_actors() {
    let p = common::root().join("../shared/examples/china-russia-ukraine.txt");
    if !p.is_file() {
        stance::testing::skip(&common::caller(), &format!("{} not present", p.display()));
        return;
    }
    let model = tiny_model(1).unwrap();
    let gaz = Gazetteer::default_international().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o.jsonl");
    score_with(
        &model,
        &gaz,
        &cfg(vec![p.display().to_string()], Some(out.clone())),
    )
    .unwrap();
    let mentions: Vec<String> = read_lines(&out)
        .iter()
        .flat_map(|l| {
            l.actors
                .iter()
                .flat_map(|a| a.mentions.iter().map(|m| m.text.clone()))
        })
        .collect();
    for want in [
        "Beijing",
        "Moscow",
        "the Kremlin",
        "Washington",
        "NATO",
        "Putin",
        "Xi Jinping",
        "Wang Yi",
    ] {
        assert!(
            mentions.iter().any(|m| m == want || m.ends_with(want)),
            "{want} not found"
        );
    }
    // The later references the article makes by family name, and groups.
    let lines = read_lines(&out);
    let actor_in = |start: &str, actor: &str| {
        let l = lines
            .iter()
            .find(|l| l.text.starts_with(start))
            .unwrap_or_else(|| panic!("no sentence starting {start:?}"));
        l.actors.iter().find(|a| a.actor == actor).cloned()
    };
    let wang = actor_in("‘The friendship between", "Wang Yi").expect("said Wang → Wang Yi");
    assert_eq!(wang.mentions[0].via, Via::Surname);
    assert!(actor_in("Wang called the causes", "Wang Yi").is_some());
    assert!(actor_in("China has refused to condemn", "the West").is_some());
    // `‘…,’ he added`, `He added that China would send humanitarian aid`: Wang Yi holds it.
    let china = actor_in("He added that China", "China").unwrap();
    assert_eq!(china.holder.as_deref(), Some("Wang Yi"));
}

#[test]
fn references_holders_demonyms_and_discovery_reach_the_output() {
    let model = tiny_model(1).unwrap();
    let gaz = Gazetteer::default_international().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let article = dir.path().join("a.txt");
    std::fs::write(
        &article,
        "Wang Yi met reporters in Beijing.\n\
         Zelensky accused Beijing of helping Moscow, and Chinese officials denied it.\n\
         “Russia is a friend,” Wang said.\n\
         Analyst Yun Sun said Washington was worried, and Sun added that Kyiv agreed.\n",
    )
    .unwrap();
    let run = |discover: Discover, demonyms: bool, format: Format| {
        let out = dir
            .path()
            .join(format!("o-{discover:?}-{demonyms}-{format:?}"));
        let mut c = cfg(vec![article.display().to_string()], Some(out.clone()));
        c.summary = Some(
            dir.path()
                .join(format!("s-{discover:?}-{demonyms}-{format:?}")),
        );
        c.format = format;
        c.mentions = MentionOptions { demonyms, discover };
        let stats = score(
            &model,
            &gaz,
            &c,
            &NoScoreProgress,
            &AtomicBool::new(false),
            &mut std::io::sink(),
        )
        .unwrap();
        let summary: Vec<serde_json::Value> = std::fs::read_to_string(c.summary.unwrap())
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        (out, summary, stats)
    };
    let (out, summary, stats) = run(Discover::Off, false, Format::Jsonl);
    let lines = read_lines(&out);
    let holder_of = |line: usize, actor: &str| {
        lines[line]
            .actors
            .iter()
            .find(|a| a.actor == actor)
            .and_then(|a| a.holder.clone())
    };
    // Line 1: Zelensky accused Beijing of helping Moscow.
    assert_eq!(holder_of(1, "China").as_deref(), Some("Volodymyr Zelensky"));
    assert_eq!(
        holder_of(1, "Russia").as_deref(),
        Some("Volodymyr Zelensky")
    );
    assert_eq!(holder_of(1, "Volodymyr Zelensky"), None);
    // Line 2: the quote's speaker by family name.
    let wang = lines[2]
        .actors
        .iter()
        .find(|a| a.actor == "Wang Yi")
        .unwrap();
    assert_eq!(wang.mentions[0].via, Via::Surname);
    assert_eq!(holder_of(2, "Russia").as_deref(), Some("Wang Yi"));
    // Line 3: a holder the gazetteer does not have, named by discovery.
    assert_eq!(holder_of(3, "United States").as_deref(), Some("Yun Sun"));
    assert!(
        stats.candidates.is_empty(),
        "candidates only with --discover"
    );
    // No demonym mention without --demonyms.
    assert!(lines[1]
        .actors
        .iter()
        .all(|a| a.mentions.iter().all(|m| m.via != Via::Demonym)));
    // The summary: holder → stance → count, toward China.
    let china = summary.iter().find(|r| r["actor"] == "China").unwrap();
    let by_zelensky = &china["holders"]["Volodymyr Zelensky"];
    assert_eq!(
        by_zelensky
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_u64().unwrap())
            .sum::<u64>(),
        1
    );

    let (out, summary, stats) = run(Discover::List, true, Format::Jsonl);
    let lines = read_lines(&out);
    assert!(lines[1].actors.iter().any(|a| a
        .mentions
        .iter()
        .any(|m| m.via == Via::Demonym && m.text == "Chinese officials")));
    assert_eq!(stats.top_candidates(5), vec![("Yun Sun", 1)]);
    let cand = summary.iter().find(|r| r["kind"] == "candidate").unwrap();
    assert_eq!(cand["actor"], "Yun Sun");
    // Listed, not scored.
    assert!(lines
        .iter()
        .all(|l| l.actors.iter().all(|a| a.actor != "Yun Sun")));

    let (out, _, _) = run(Discover::Score, false, Format::Jsonl);
    let lines = read_lines(&out);
    let sun = lines[3]
        .actors
        .iter()
        .find(|a| a.actor == "Yun Sun")
        .unwrap();
    let vias: Vec<Via> = sun.mentions.iter().map(|m| m.via).collect();
    assert_eq!(vias, vec![Via::Discovered, Via::Surname]);
    assert_eq!(sun.kind, "person");

    let (out, _, _) = run(Discover::Off, false, Format::Csv);
    let csv = std::fs::read_to_string(out).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let (via, holder) = (
        header.iter().position(|h| *h == "via").unwrap(),
        header.iter().position(|h| *h == "holder").unwrap(),
    );
    let mut rdr = csv::Reader::from_reader(csv.as_bytes());
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert!(rows.iter().any(|r| &r[via] == "surname"));
    assert!(rows.iter().any(|r| &r[holder] == "Volodymyr Zelensky"));
}

fn archive(dir: &Path, n: usize) -> PathBuf {
    let mut s = String::new();
    for i in 0..n {
        s += &serde_json::json!({"id": format!("a{i}"), "text": format!("Beijing praised Moscow on day {i}. Kyiv objected. Nothing else."), "source": "wire"}).to_string();
        s.push('\n');
    }
    let p = dir.join("archive.jsonl");
    std::fs::write(&p, s).unwrap();
    p
}

#[test]
fn shards_together_are_the_whole_output_and_never_overlap() {
    let model = tiny_model(2).unwrap();
    let gaz = Gazetteer::default_international().unwrap();
    let dir = tempfile::tempdir().unwrap();
    // Documents of different lengths, so that shards batch them differently from one process.
    let mut s = String::new();
    for i in 0..40 {
        let extra = " Moscow and Kyiv talked about the war at length again.".repeat(i % 5);
        let text = format!("Beijing praised Moscow on day {i}.{extra} NATO objected.");
        s += &serde_json::json!({"id": format!("d{i}"), "text": text}).to_string();
        s.push('\n');
    }
    let arch = dir.path().join("varied.jsonl");
    std::fs::write(&arch, s).unwrap();
    let run = |shard: Option<&str>, out: &Path| -> Vec<String> {
        let mut c = cfg(vec![arch.display().to_string()], Some(out.to_path_buf()));
        c.chunk_docs = 7;
        c.shard = shard.map(|x| x.parse().unwrap());
        score(
            &model,
            &gaz,
            &c,
            &NoScoreProgress,
            &AtomicBool::new(false),
            &mut std::io::sink(),
        )
        .unwrap();
        let text = std::fs::read_to_string(out).unwrap();
        text.lines().map(String::from).collect()
    };
    let mut whole = run(None, &dir.path().join("whole.jsonl"));
    let mut parts = Vec::new();
    let mut docs_seen = std::collections::HashSet::new();
    for i in 0..3 {
        let lines = run(
            Some(&format!("{i}/3")),
            &dir.path().join(format!("s{i}.jsonl")),
        );
        assert!(!lines.is_empty(), "shard {i} is empty");
        let docs: std::collections::HashSet<String> = lines
            .iter()
            .map(|l| serde_json::from_str::<SentenceOut>(l).unwrap().doc)
            .collect();
        for d in docs {
            assert!(docs_seen.insert(d.clone()), "{d} in two shards");
        }
        parts.extend(lines);
    }
    whole.sort();
    parts.sort();
    assert_eq!(whole.len(), parts.len());
    assert!(whole == parts, "the shards' lines differ from the whole's");
}

#[test]
fn shards_of_one_file_agree_however_its_path_is_spelled() {
    // Records without ids get PATH:LINE ids, which differ by spelling; the shard key does not.
    let model = tiny_model(2).unwrap();
    let gaz = Gazetteer::default_international().unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("data/sub")).unwrap();
    let mut s = String::new();
    for i in 0..30 {
        s +=
            &serde_json::json!({"text": format!("Beijing praised Moscow on day {i}.")}).to_string();
        s.push('\n');
    }
    std::fs::write(dir.path().join("data/x.jsonl"), s).unwrap();
    let spellings = [
        dir.path().join("data/x.jsonl"),
        dir.path().join("data/./x.jsonl"),
        dir.path().join("data/sub/../x.jsonl"),
    ];
    let mut lines_seen = Vec::new();
    for (i, path) in spellings.iter().enumerate() {
        let out = dir.path().join(format!("s{i}.jsonl"));
        let mut c = cfg(vec![path.display().to_string()], Some(out.clone()));
        c.shard = Some(format!("{i}/3").parse().unwrap());
        score(
            &model,
            &gaz,
            &c,
            &NoScoreProgress,
            &AtomicBool::new(false),
            &mut std::io::sink(),
        )
        .unwrap();
        for l in read_lines(&out) {
            let line: usize = l.doc.rsplit(':').next().unwrap().parse().unwrap();
            lines_seen.push(line);
        }
    }
    lines_seen.sort();
    assert_eq!(
        lines_seen,
        (1..=30).collect::<Vec<_>>(),
        "each document once"
    );
}

struct StopAfter(usize, AtomicBool);
impl ScoreProgress for StopAfter {
    fn chunk(&self, s: &ScoreStats) {
        if s.documents >= self.0 {
            self.1.store(true, Ordering::SeqCst);
        }
    }
}

#[test]
fn resume_after_an_interruption_gives_the_same_output() {
    let model = tiny_model(2).unwrap();
    let gaz = Gazetteer::default_international().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let arch = archive(dir.path(), 9).display().to_string();
    for format in [Format::Jsonl, Format::Csv] {
        let full = dir.path().join("full.out");
        let mut c = cfg(vec![arch.clone()], Some(full.clone()));
        c.format = format;
        score(
            &model,
            &gaz,
            &c,
            &NoScoreProgress,
            &AtomicBool::new(false),
            &mut std::io::sink(),
        )
        .unwrap();

        let part = dir.path().join("part.out");
        let mut c2 = c.clone();
        c2.output = Some(part.clone());
        let stop = StopAfter(4, AtomicBool::new(false));
        let s = score(&model, &gaz, &c2, &stop, &stop.1, &mut std::io::sink()).unwrap();
        assert!(s.interrupted);
        assert!(!part.exists());
        let partial = dir.path().join("part.out.partial");
        assert!(partial.exists());
        // A crash mid-write leaves a cut-off line: resume must cope.
        let mut bytes = std::fs::read(&partial).unwrap();
        bytes.extend_from_slice(b"{\"doc\":\"a4\",\"sent");
        std::fs::write(&partial, bytes).unwrap();
        c2.resume = true;
        let s = score(
            &model,
            &gaz,
            &c2,
            &NoScoreProgress,
            &AtomicBool::new(false),
            &mut std::io::sink(),
        )
        .unwrap();
        assert!(s.documents_resumed >= 3, "{}", s.documents_resumed);
        assert_eq!(
            std::fs::read_to_string(&full).unwrap(),
            std::fs::read_to_string(&part).unwrap(),
            "{format:?}"
        );
        if format == Format::Jsonl {
            let lines = read_lines(&part);
            assert_eq!(lines.iter().filter(|l| l.sentence == 0).count(), 9);
            assert_eq!(
                lines[0].fields.get("source"),
                Some(&serde_json::Value::from("wire"))
            );
        } else {
            let s = std::fs::read_to_string(&part).unwrap();
            assert!(s.starts_with("doc,sentence,sentence_start"));
        }
        std::fs::remove_file(&full).unwrap();
        std::fs::remove_file(&part).unwrap();
    }
}

/// `--resume` with another model, or another gazetteer or mention options, would mix two
/// runs' calls in one output: refused, naming what differs, and the partial output kept.
#[test]
fn resume_refuses_another_model_or_gazetteer() {
    let model = tiny_model(2).unwrap();
    let gaz = Gazetteer::default_international().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let arch = archive(dir.path(), 9).display().to_string();
    let out = dir.path().join("part.out");
    let c = cfg(vec![arch], Some(out.clone()));
    let stop = StopAfter(4, AtomicBool::new(false));
    assert!(
        score(&model, &gaz, &c, &stop, &stop.1, &mut std::io::sink())
            .unwrap()
            .interrupted
    );
    let partial = dir.path().join("part.out.partial");
    let before = std::fs::read(&partial).unwrap();
    let id = model.fingerprint().unwrap();
    assert!(read_lines(&partial)
        .iter()
        .all(|l| l.model.as_deref() == Some(id.as_str())));
    let mut again = c.clone();
    again.resume = true;

    let refusal = |m: &stance::store::StanceModel, g: &Gazetteer, c: &ScoreConfig| {
        score(
            m,
            g,
            c,
            &NoScoreProgress,
            &AtomicBool::new(false),
            &mut std::io::sink(),
        )
        .unwrap_err()
        .to_string()
    };
    let other = tiny_model(3).unwrap();
    assert_ne!(other.fingerprint().unwrap(), id);
    let e = refusal(&other, &gaz, &again);
    assert!(
        e.contains("was scored by the model") && e.contains(&id),
        "{e}"
    );
    let more = Gazetteer::default_international()
        .unwrap()
        .with_extra(&["Acme Corp".to_string()])
        .unwrap();
    let e = refusal(&model, &more, &again);
    assert!(
        e.contains("other settings") && e.contains("gazetteer"),
        "{e}"
    );
    let mut demonyms = again.clone();
    demonyms.mentions.demonyms = true;
    let e = refusal(&model, &gaz, &demonyms);
    assert!(e.contains("demonyms"), "{e}");
    // Other inputs: the partial's last document, scored again from the inputs, would be lost.
    let mut other_inputs = again.clone();
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    other_inputs.inputs = vec![archive(&elsewhere, 2).display().to_string()];
    let e = refusal(&model, &gaz, &other_inputs);
    assert!(e.contains("other settings") && e.contains("inputs"), "{e}");
    assert_eq!(
        std::fs::read(&partial).unwrap(),
        before,
        "the partial output is kept"
    );

    // The same settings resume, and the settings file goes with the partial one.
    score(
        &model,
        &gaz,
        &again,
        &NoScoreProgress,
        &AtomicBool::new(false),
        &mut std::io::sink(),
    )
    .unwrap();
    assert!(out.exists() && !partial.exists());
    assert!(!dir.path().join("part.out.partial.run.json").exists());
}

/// `--resume` on a finished output continues it with new inputs: every document it held stays,
/// the last one included (it is complete), and the new documents follow once each.
#[test]
fn resume_on_a_finished_output_keeps_all_of_it() {
    let model = tiny_model(2).unwrap();
    let gaz = Gazetteer::default_international().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let first = archive(dir.path(), 4).display().to_string();
    let out = dir.path().join("scores.jsonl");
    let run = |c: &ScoreConfig| score_with(&model, &gaz, c).unwrap();
    run(&cfg(vec![first], Some(out.clone())));
    let before = std::fs::read(&out).unwrap();
    let docs = |p: &Path| {
        let mut d: Vec<String> = read_lines(p).into_iter().map(|l| l.doc).collect();
        d.dedup();
        d
    };
    assert_eq!(docs(&out), ["a0", "a1", "a2", "a3"]);
    let more = dir.path().join("more.jsonl");
    std::fs::write(
        &more,
        "{\"id\": \"b0\", \"text\": \"Paris praised Berlin. Rome objected.\"}\n",
    )
    .unwrap();
    let mut c = cfg(vec![more.display().to_string()], Some(out.clone()));
    c.resume = true;
    run(&c);
    let after = std::fs::read(&out).unwrap();
    assert!(
        after.starts_with(&before),
        "the finished output is kept whole"
    );
    assert_eq!(docs(&out), ["a0", "a1", "a2", "a3", "b0"]);
}

#[test]
fn articles_not_in_english_are_reported_and_not_scored_by_default() {
    let model = tiny_model(2).unwrap();
    let gaz = Gazetteer::default_international().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let arch = dir.path().join("mixed.jsonl");
    let de = "Frankreich lobte die Ukraine für ihre Reformen, und die Regierung in Berlin kündigte weitere Hilfen an. Der Kanzler sprach von einem wichtigen Schritt.";
    let en = "France praised Ukraine for its reforms, and the government in Berlin announced further aid on Tuesday. The chancellor called it an important step.";
    std::fs::write(
        &arch,
        format!(
            "{}\n{}\n",
            serde_json::json!({"id": "de", "text": de}),
            serde_json::json!({"id": "en", "text": en})
        ),
    )
    .unwrap();
    let out = dir.path().join("o.jsonl");
    let mut c = cfg(vec![arch.display().to_string()], Some(out.clone()));
    let stats = score(
        &model,
        &gaz,
        &c,
        &NoScoreProgress,
        &AtomicBool::new(false),
        &mut std::io::sink(),
    )
    .unwrap();
    assert_eq!((stats.documents, stats.documents_other_language), (1, 1));
    let p = stats.problems.iter().find(|p| p.source == "de").unwrap();
    assert!(p.skipped && p.message.contains("deu"), "{p:?}");
    assert!(read_lines(&out).iter().all(|l| l.doc == "en"));
    c.any_language = true;
    std::fs::remove_file(&out).unwrap();
    let stats = score(
        &model,
        &gaz,
        &c,
        &NoScoreProgress,
        &AtomicBool::new(false),
        &mut std::io::sink(),
    )
    .unwrap();
    assert_eq!((stats.documents, stats.documents_other_language), (2, 0));
    assert!(read_lines(&out).iter().any(|l| l.doc == "de"));
}

#[test]
fn gzip_and_zstd_archives_score_as_their_plain_twin() {
    use std::io::Write;
    let model = tiny_model(2).unwrap();
    let gaz = Gazetteer::default_international().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let plain = archive(dir.path(), 5);
    let bytes = std::fs::read(&plain).unwrap();
    let gz = dir.path().join("same.jsonl.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(&bytes).unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();
    // Sniffed by content too: a gzip file of another name whose first line is a record.
    let other_name = dir.path().join("export.data");
    std::fs::copy(&gz, &other_name).unwrap();
    let run = |input: &Path, out: &str| {
        let out = dir.path().join(out);
        let stats = score_with(
            &model,
            &gaz,
            &cfg(vec![input.display().to_string()], Some(out.clone())),
        )
        .unwrap();
        let lines: Vec<(String, usize, String)> = read_lines(&out)
            .into_iter()
            .map(|l| (l.doc, l.sentence, serde_json::to_string(&l.actors).unwrap()))
            .collect();
        (stats, lines)
    };
    let (_, want) = run(&plain, "plain.jsonl");
    let (s, got) = run(&gz, "gz.jsonl");
    assert_eq!(s.documents, 5);
    assert_eq!(got, want);
    let (_, sniffed) = run(&other_name, "sniffed.jsonl");
    assert_eq!(sniffed, want);
    // zstd: one frame, and two frames concatenated (as `cat a.zst b.zst` makes), by name and
    // by content.
    use ruzstd::encoding::{compress_to_vec, CompressionLevel};
    let zst = dir.path().join("a.jsonl.zst");
    std::fs::write(&zst, compress_to_vec(&bytes[..], CompressionLevel::Fastest)).unwrap();
    let (s, got) = run(&zst, "zst.jsonl");
    assert_eq!(s.documents, 5);
    assert_eq!(got, want);
    let cut = bytes.iter().position(|&b| b == b'\n').unwrap() + 1;
    let mut two = compress_to_vec(&bytes[..cut], CompressionLevel::Fastest);
    two.extend(compress_to_vec(&bytes[cut..], CompressionLevel::Fastest));
    let frames = dir.path().join("frames.data");
    std::fs::write(&frames, two).unwrap();
    let (s, got) = run(&frames, "frames.jsonl");
    assert_eq!(s.documents, 5, "{:?}", s.problems);
    assert_eq!(got, want);
    // A broken zstd stream is reported, not read as text.
    let broken = dir.path().join("b.jsonl");
    std::fs::write(&broken, [0x28, 0xb5, 0x2f, 0xfd, 0, 0]).unwrap();
    let (s, _) = run(&broken, "z.jsonl");
    assert_eq!(s.documents, 0);
    assert!(
        s.problems
            .iter()
            .any(|p| p.skipped && p.source.contains("b.jsonl")),
        "{:?}",
        s.problems
    );
}

#[test]
fn csv_archives_with_quotes_newlines_bom_and_crlf_score_as_their_jsonl_twin() {
    let model = tiny_model(2).unwrap();
    let gaz = Gazetteer::default_international().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let docs = [
        (
            "g7",
            "2024-06-14",
            "Daily Meridian",
            "G7 leaders met. Beijing praised Moscow, \"a friend\".",
        ),
        (
            "",
            "2024-06-15",
            "Wire",
            "Kyiv objected.\nNATO said it would respond.",
        ),
        (
            "x3",
            "2024-06-16",
            "Wire, Inc.",
            "Paris backed Berlin on trade.",
        ),
    ];
    let mut csv = String::from("\u{feff}id,date,outlet,text\r\n");
    let mut jsonl = String::new();
    for (k, (id, date, outlet, text)) in docs.iter().enumerate() {
        let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
        csv += &format!("{},{},{},{}\r\n", id, date, q(outlet), q(text));
        let mut v = serde_json::json!({"date": date, "outlet": outlet, "text": text});
        v["id"] = if id.is_empty() {
            // A record without an id gets FILE:LINE, as in JSONL (record k is line k + 2).
            format!("{}:{}", dir.path().join("a.csv").display(), k + 2).into()
        } else {
            (*id).into()
        };
        jsonl += &(v.to_string() + "\n");
    }
    std::fs::write(dir.path().join("a.csv"), &csv).unwrap();
    std::fs::write(dir.path().join("a.jsonl"), &jsonl).unwrap();
    let run = |name: &str| {
        let out = dir.path().join(format!("{name}.out"));
        let s = score_with(
            &model,
            &gaz,
            &cfg(
                vec![dir.path().join(name).display().to_string()],
                Some(out.clone()),
            ),
        )
        .unwrap();
        assert_eq!(s.documents, 3, "{name}: {:?}", s.problems);
        read_lines(&out)
    };
    let (from_csv, from_jsonl) = (run("a.csv"), run("a.jsonl"));
    assert_eq!(from_csv, from_jsonl);
    assert_eq!(
        from_csv[0].fields.get("outlet"),
        Some(&serde_json::Value::from("Daily Meridian"))
    );
    // A CSV without a text column is a reported skip, never read as prose.
    std::fs::write(
        dir.path().join("b.csv"),
        "id,body\n1,Beijing praised Moscow.\n",
    )
    .unwrap();
    let out = dir.path().join("b.out");
    let s = score_with(
        &model,
        &gaz,
        &cfg(
            vec![dir.path().join("b.csv").display().to_string()],
            Some(out),
        ),
    )
    .unwrap();
    assert_eq!(s.documents, 0);
    assert!(s
        .problems
        .iter()
        .any(|p| p.skipped && p.message.contains("no `text` column")));
}

#[test]
fn bad_input_is_reported_and_the_rest_is_scored() {
    let model = tiny_model(3).unwrap();
    let gaz = Gazetteer::default_international().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("in");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("ok.txt"), "Moscow praised Beijing.").unwrap();
    std::fs::write(d.join("empty.txt"), "").unwrap();
    std::fs::write(d.join("binary.txt"), [0u8, 159, 146, 150]).unwrap();
    std::fs::write(d.join("latin1.txt"), b"Caf\xe9 talk: Paris backed Kyiv.").unwrap();
    let long = format!("Russia {}", "and more words ".repeat(2000));
    std::fs::write(d.join("long.txt"), &long).unwrap();
    std::fs::write(d.join("x.jsonl"), "{\"id\":1,\"text\":\"China spoke.\"}\nnot json\n{\"id\":1,\"text\":\"NATO spoke.\"}\n{\"body\":\"no text\"}\n").unwrap();
    let out = dir.path().join("o.jsonl");
    let stats = score_with(
        &model,
        &gaz,
        &cfg(vec![d.display().to_string()], Some(out.clone())),
    )
    .unwrap();
    assert_eq!(stats.documents, 5, "{:?}", stats.problems);
    assert_eq!(
        stats.problems.iter().filter(|p| p.skipped).count(),
        4,
        "{:?}",
        stats.problems
    );
    let docs: Vec<String> = read_lines(&out).into_iter().map(|l| l.doc).collect();
    assert_eq!(docs, vec!["latin1.txt", "long.txt", "ok.txt", "1", "1#2"]);
}

/// Ids with line breaks make CSV records span lines: resume reads the partial as CSV.
#[test]
fn csv_resume_copes_with_records_that_span_lines() {
    let model = tiny_model(2).unwrap();
    let gaz = Gazetteer::default_international().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut s = String::new();
    for i in 0..7 {
        s += &serde_json::json!({"id": format!("a{i}\nsecond line, \"quoted\""), "text": format!("Beijing praised Moscow on day {i}. Kyiv objected.")}).to_string();
        s.push('\n');
    }
    let arch = dir.path().join("wrapped.jsonl");
    std::fs::write(&arch, s).unwrap();
    let full = dir.path().join("full.csv");
    let mut c = cfg(vec![arch.display().to_string()], Some(full.clone()));
    c.format = Format::Csv;
    score(
        &model,
        &gaz,
        &c,
        &NoScoreProgress,
        &AtomicBool::new(false),
        &mut std::io::sink(),
    )
    .unwrap();
    let part = dir.path().join("part.csv");
    let mut c2 = c.clone();
    c2.output = Some(part.clone());
    let stop = StopAfter(4, AtomicBool::new(false));
    assert!(
        score(&model, &gaz, &c2, &stop, &stop.1, &mut std::io::sink())
            .unwrap()
            .interrupted
    );
    c2.resume = true;
    let s = score(
        &model,
        &gaz,
        &c2,
        &NoScoreProgress,
        &AtomicBool::new(false),
        &mut std::io::sink(),
    )
    .unwrap();
    assert_eq!(s.documents_resumed, 3);
    assert_eq!(
        std::fs::read_to_string(&full).unwrap(),
        std::fs::read_to_string(&part).unwrap()
    );

    // A JSONL partial resumed as CSV (or the reverse) is refused, not mixed.
    let mut j = cfg(
        vec![arch.display().to_string()],
        Some(dir.path().join("j.out")),
    );
    let stop = StopAfter(2, AtomicBool::new(false));
    assert!(
        score(&model, &gaz, &j, &stop, &stop.1, &mut std::io::sink())
            .unwrap()
            .interrupted
    );
    j.resume = true;
    j.format = Format::Csv;
    let e = score(
        &model,
        &gaz,
        &j,
        &NoScoreProgress,
        &AtomicBool::new(false),
        &mut std::io::sink(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("--format"), "{e}");
}

/// A chunk the model fails on is an error (the partial output is kept), or with keep_going a
/// counted failure; never a silent empty output.
#[test]
fn a_failing_model_is_an_error_not_a_silent_empty_output() {
    use stance::model::{EncoderConfig, StanceMeta};
    use stance::store::LoadOptions;
    use stance::testing::tiny_tokenizer_json;
    // An embedding table smaller than the tokenizer's vocabulary: most ids are out of range.
    let cfg_small = EncoderConfig::tiny(8);
    let meta = StanceMeta::new(
        ["supportive", "neutral", "critical"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        "broken",
    );
    let model = stance::store::StanceModel::random(
        cfg_small,
        &tiny_tokenizer_json(),
        meta,
        1,
        &LoadOptions::default(),
    )
    .unwrap();
    let gaz = Gazetteer::default_international().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let arch = archive(dir.path(), 5).display().to_string();
    let out = dir.path().join("o.jsonl");
    let c = cfg(vec![arch], Some(out.clone()));
    let e = score(
        &model,
        &gaz,
        &c,
        &NoScoreProgress,
        &AtomicBool::new(false),
        &mut std::io::sink(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("model failed"), "{e}");
    assert!(!out.exists());
    let mut k = c.clone();
    k.keep_going = true;
    let stats = score(
        &model,
        &gaz,
        &k,
        &NoScoreProgress,
        &AtomicBool::new(false),
        &mut std::io::sink(),
    )
    .unwrap();
    assert!(stats.pairs_failed > 0);
    assert_eq!(stats.pairs, stats.pairs_failed);
    assert!(stats
        .problems
        .iter()
        .any(|p| p.message.contains("model failed")));
}

#[test]
fn outputs_that_would_destroy_or_reread_data_are_refused() {
    let model = tiny_model(2).unwrap();
    let gaz = Gazetteer::default_international().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("in");
    std::fs::create_dir_all(&d).unwrap();
    let article = d.join("a.txt");
    std::fs::write(&article, "Moscow praised Beijing.").unwrap();
    let run = |c: &ScoreConfig| {
        score(
            &model,
            &gaz,
            c,
            &NoScoreProgress,
            &AtomicBool::new(false),
            &mut std::io::sink(),
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default()
    };
    let e = run(&cfg(
        vec![article.display().to_string()],
        Some(article.clone()),
    ));
    assert!(e.contains("would destroy the input"), "{e}");
    assert_eq!(
        std::fs::read_to_string(&article).unwrap(),
        "Moscow praised Beijing."
    );
    let e = run(&cfg(
        vec![d.display().to_string()],
        Some(d.join("out.jsonl")),
    ));
    assert!(e.contains("inside the input folder"), "{e}");
    let mut same = cfg(
        vec![d.display().to_string()],
        Some(dir.path().join("o.jsonl")),
    );
    same.summary = same.output.clone();
    let e = run(&same);
    assert!(e.contains("name one file"), "{e}");

    // Another run holds the output: refused before anything is written.
    let out = dir.path().join("locked.jsonl");
    let holder = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.path().join("locked.jsonl.partial"))
        .unwrap();
    holder.lock().unwrap();
    std::fs::write(dir.path().join("locked.jsonl.partial"), "theirs\n").unwrap();
    let e = run(&cfg(vec![d.display().to_string()], Some(out.clone())));
    assert!(e.contains("another stance run"), "{e}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("locked.jsonl.partial")).unwrap(),
        "theirs\n"
    );
    drop(holder);
    assert_eq!(
        run(&cfg(vec![d.display().to_string()], Some(out.clone()))),
        ""
    );
    assert!(out.is_file());
}

#[test]
fn resume_keeps_the_candidates_of_documents_done_before_the_interruption() {
    let model = tiny_model(2).unwrap();
    let gaz = Gazetteer::default_international().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut s = String::new();
    for i in 0..8 {
        s += &serde_json::json!({"id": format!("d{i}"), "text": format!("Analyst Jane Roe{i} said Beijing was wrong on day {i}.")}).to_string();
        s.push('\n');
    }
    let arch = dir.path().join("a.jsonl");
    std::fs::write(&arch, s).unwrap();
    let out = dir.path().join("o.jsonl");
    let mut c = cfg(vec![arch.display().to_string()], Some(out.clone()));
    c.summary = Some(dir.path().join("summary.jsonl"));
    c.mentions = MentionOptions {
        demonyms: false,
        discover: Discover::List,
    };
    let stop = StopAfter(4, AtomicBool::new(false));
    assert!(
        score(&model, &gaz, &c, &stop, &stop.1, &mut std::io::sink())
            .unwrap()
            .interrupted
    );
    c.resume = true;
    let stats = score(
        &model,
        &gaz,
        &c,
        &NoScoreProgress,
        &AtomicBool::new(false),
        &mut std::io::sink(),
    )
    .unwrap();
    assert!(stats.documents_resumed >= 3, "{}", stats.documents_resumed);
    let summary = std::fs::read_to_string(c.summary.as_ref().unwrap()).unwrap();
    let mut candidates: Vec<String> = summary
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|r| r["kind"] == "candidate")
        .map(|r| r["actor"].as_str().unwrap().to_string())
        .collect();
    candidates.sort();
    let want: Vec<String> = (0..8).map(|i| format!("Jane Roe{i}")).collect();
    assert_eq!(
        candidates, want,
        "each document's candidate once, resumed or not"
    );
}

#[test]
fn text_and_id_fields_of_other_names_score_as_the_default_names() {
    let model = tiny_model(2).unwrap();
    let gaz = Gazetteer::default_international().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let texts = [
        ("a1", "Beijing praised Moscow. Kyiv objected."),
        ("a2", "NATO said it would respond to Russia."),
    ];
    let mut plain = String::new();
    let mut renamed = String::new();
    let mut csv = String::from("article_id,body,outlet\n");
    for (id, text) in texts {
        plain += &(serde_json::json!({"id": id, "text": text, "outlet": "W"}).to_string() + "\n");
        renamed += &(serde_json::json!({"article_id": id, "body": text, "outlet": "W"})
            .to_string()
            + "\n");
        csv += &format!("{id},\"{text}\",W\n");
    }
    for (name, body) in [("p.jsonl", &plain), ("r.jsonl", &renamed), ("r.csv", &csv)] {
        std::fs::write(dir.path().join(name), body).unwrap();
    }
    let run = |name: &str, fields: stance::io::articles::InputFields| {
        let out = dir.path().join(format!("{name}.out"));
        let mut c = cfg(
            vec![dir.path().join(name).display().to_string()],
            Some(out.clone()),
        );
        c.fields = fields;
        let s = score(
            &model,
            &gaz,
            &c,
            &NoScoreProgress,
            &AtomicBool::new(false),
            &mut std::io::sink(),
        )
        .unwrap();
        (s, read_lines(&out))
    };
    let other = stance::io::articles::InputFields {
        text: "body".into(),
        id: "article_id".into(),
    };
    let (_, want) = run("p.jsonl", Default::default());
    assert!(!want.is_empty());
    for name in ["r.jsonl", "r.csv"] {
        let (s, got) = run(name, other.clone());
        assert_eq!(s.documents, 2, "{name}: {:?}", s.problems);
        assert_eq!(got, want, "{name}");
    }
    // With the default names the renamed archive has no text: every record a counted skip.
    let (s, _) = run("r.jsonl", Default::default());
    assert_eq!(s.documents, 0);
    assert!(
        s.problems
            .iter()
            .filter(|p| p.skipped && p.message.contains("`text` is missing"))
            .count()
            == 2,
        "{:?}",
        s.problems
    );
}

#[test]
fn front_matter_and_sidecars_give_fields_and_ids_keep_their_folder_path() {
    let model = tiny_model(2).unwrap();
    let gaz = Gazetteer::default_international().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("news");
    std::fs::create_dir_all(root.join("2024/june")).unwrap();
    let body = "Beijing praised Moscow. Kyiv objected.\n";
    std::fs::write(
        root.join("2024/june/a.md"),
        format!("---\ndate: 2024-06-14\noutlet: \"Daily Meridian\"\ntags:\n  - g7\n---\n{body}"),
    )
    .unwrap();
    std::fs::write(root.join("2024/june/b.txt"), body).unwrap();
    std::fs::write(
        root.join("2024/june/b.json"),
        r#"{"date": "2024-06-15", "outlet": "Wire", "id": "wire-7"}"#,
    )
    .unwrap();
    std::fs::write(root.join("2024/june/c.txt"), body).unwrap();
    std::fs::write(root.join("2024/june/c.json"), "not json").unwrap();
    let out = dir.path().join("o.jsonl");
    let s = score_with(
        &model,
        &gaz,
        &cfg(vec![root.display().to_string()], Some(out.clone())),
    )
    .unwrap();
    assert_eq!(s.documents, 3, "{:?}", s.problems);
    let lines = read_lines(&out);
    let of = |doc: &str| {
        lines
            .iter()
            .find(|l| l.doc == doc)
            .unwrap_or_else(|| panic!("{doc} in {lines:?}"))
    };
    // Ids keep their path below the folder given; a sidecar's id wins.
    let a = of("2024/june/a.md");
    assert_eq!(a.fields["date"], "2024-06-14");
    assert_eq!(a.fields["outlet"], "Daily Meridian");
    assert_eq!(
        a.text, "Beijing praised Moscow.",
        "the front matter is not text"
    );
    assert_eq!(a.start, 0, "offsets are of the text after the front matter");
    let b = of("wire-7");
    assert_eq!(b.fields["outlet"], "Wire");
    assert!(of("2024/june/c.txt").fields.is_empty());
    // The unreadable sidecar and the nested front-matter lines are reported, not skipped; the
    // sidecars are not reported as files of an unknown kind.
    assert!(
        s.problems
            .iter()
            .any(|p| !p.skipped && p.source.ends_with("c.json") && p.message.contains("not JSON")),
        "{:?}",
        s.problems
    );
    assert!(
        s.problems
            .iter()
            .any(|p| !p.skipped && p.source.ends_with("a.md") && p.line == Some(5)),
        "{:?}",
        s.problems
    );
    assert!(!s.problems.iter().any(|p| p.skipped), "{:?}", s.problems);
    // The same article without metadata scores the same.
    let plain = lines
        .iter()
        .filter(|l| l.doc == "2024/june/c.txt")
        .map(|l| &l.actors)
        .collect::<Vec<_>>();
    let fm = lines
        .iter()
        .filter(|l| l.doc == "2024/june/a.md")
        .map(|l| &l.actors)
        .collect::<Vec<_>>();
    assert_eq!(plain, fm);
}

/// A Parquet archive (snappy pages; a date column and an optional outlet with a null), written
/// with the `parquet` crate's own writer.
#[cfg(feature = "parquet")]
fn write_parquet(path: &Path, rows: &[(&str, &str, i32, Option<&str>)]) {
    use parquet::basic::Compression;
    use parquet::data_type::{ByteArray, ByteArrayType, Int32Type};
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;
    use std::sync::Arc;
    let schema = Arc::new(
        parquet::schema::parser::parse_message_type(
            "message archive { REQUIRED BYTE_ARRAY id (UTF8); REQUIRED BYTE_ARRAY text (UTF8); REQUIRED INT32 date (DATE); OPTIONAL BYTE_ARRAY outlet (UTF8); }",
        )
        .unwrap(),
    );
    let props = Arc::new(
        WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .build(),
    );
    let mut w =
        SerializedFileWriter::new(std::fs::File::create(path).unwrap(), schema, props).unwrap();
    let mut rg = w.next_row_group().unwrap();
    let ids: Vec<ByteArray> = rows.iter().map(|r| ByteArray::from(r.0)).collect();
    let texts: Vec<ByteArray> = rows.iter().map(|r| ByteArray::from(r.1)).collect();
    for values in [ids, texts] {
        let mut col = rg.next_column().unwrap().unwrap();
        col.typed::<ByteArrayType>()
            .write_batch(&values, None, None)
            .unwrap();
        col.close().unwrap();
    }
    let mut col = rg.next_column().unwrap().unwrap();
    let days: Vec<i32> = rows.iter().map(|r| r.2).collect();
    col.typed::<Int32Type>()
        .write_batch(&days, None, None)
        .unwrap();
    col.close().unwrap();
    let mut col = rg.next_column().unwrap().unwrap();
    let present: Vec<ByteArray> = rows
        .iter()
        .filter_map(|r| r.3.map(ByteArray::from))
        .collect();
    let levels: Vec<i16> = rows.iter().map(|r| i16::from(r.3.is_some())).collect();
    col.typed::<ByteArrayType>()
        .write_batch(&present, Some(&levels), None)
        .unwrap();
    col.close().unwrap();
    rg.close().unwrap();
    w.close().unwrap();
}

#[cfg(feature = "parquet")]
#[test]
fn parquet_archives_score_as_their_jsonl_twin() {
    let model = tiny_model(2).unwrap();
    let gaz = Gazetteer::default_international().unwrap();
    let dir = tempfile::tempdir().unwrap();
    // 2024-06-14 is day 19,888 since 1970-01-01.
    let rows = [
        (
            "p1",
            "Beijing praised Moscow. Kyiv objected.",
            19_888,
            Some("Daily Meridian"),
        ),
        ("p2", "NATO said it would respond to Russia.", 19_889, None),
        ("", "Paris backed Berlin on trade.", 19_890, Some("Wire")),
    ];
    let pq = dir.path().join("a.parquet");
    write_parquet(&pq, &rows);
    // Sniffed by its first bytes too.
    let other = dir.path().join("export.bin");
    std::fs::copy(&pq, &other).unwrap();
    let mut jsonl = String::new();
    for (k, (id, text, day, outlet)) in rows.iter().enumerate() {
        let date = format!("2024-06-{}", 14 + day - 19_888);
        let mut v = serde_json::json!({"text": text, "date": date, "outlet": outlet});
        v["id"] = if id.is_empty() {
            format!("{}:{}", pq.display(), k + 1).into()
        } else {
            (*id).into()
        };
        jsonl += &(v.to_string() + "\n");
    }
    std::fs::write(dir.path().join("a.jsonl"), jsonl).unwrap();
    let run = |input: &Path, out: &str| {
        let out = dir.path().join(out);
        let s = score_with(
            &model,
            &gaz,
            &cfg(vec![input.display().to_string()], Some(out.clone())),
        )
        .unwrap();
        assert_eq!(s.documents, 3, "{input:?}: {:?}", s.problems);
        read_lines(&out)
    };
    let want = run(&dir.path().join("a.jsonl"), "j.out");
    let got = run(&pq, "p.out");
    assert_eq!(got, want);
    assert_eq!(got[0].fields["date"], "2024-06-14");
    let sniffed: Vec<_> = run(&other, "s.out")
        .into_iter()
        .map(|l| (l.sentence, l.actors))
        .collect();
    assert_eq!(
        sniffed,
        want.into_iter()
            .map(|l| (l.sentence, l.actors))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        stance::io::articles::count_documents(&[pq.display().to_string()], &Default::default()),
        Some(3)
    );
}

#[test]
fn csv_output_keeps_the_documents_fields_as_columns_and_as_json() {
    let model = tiny_model(2).unwrap();
    let gaz = Gazetteer::default_international().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("a.jsonl");
    std::fs::write(
        &input,
        [
            r#"{"id":"a1","text":"Beijing praised Moscow.","date":"2024-06-14","outlet":"Daily, \"Meridian\"","pages":3}"#,
            r#"{"id":"a2","text":"Kyiv objected to Russia.","date":"2024-06-15"}"#,
        ]
        .join("\n"),
    )
    .unwrap();
    let out = dir.path().join("o.csv");
    let mut c = cfg(vec![input.display().to_string()], Some(out.clone()));
    c.format = Format::Csv;
    c.field_columns = vec![
        "date".into(),
        "outlet".into(),
        "pages".into(),
        "text".into(),
    ];
    score_with(&model, &gaz, &c).unwrap();
    let mut rdr = csv::Reader::from_path(&out).unwrap();
    let head: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    let at = |n: &str| {
        head.iter()
            .position(|h| h == n)
            .unwrap_or_else(|| panic!("{n} in {head:?}"))
    };
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    let a1 = rows.iter().find(|r| &r[0] == "a1").unwrap();
    assert_eq!(&a1[at("date")], "2024-06-14");
    assert_eq!(&a1[at("outlet")], "Daily, \"Meridian\"");
    assert_eq!(&a1[at("pages")], "3");
    // A field named like a column gets a prefix; every field is also in `fields` as JSON.
    assert!(head.contains(&"field_text".to_string()), "{head:?}");
    let fields: serde_json::Value = serde_json::from_str(&a1[at("fields")]).unwrap();
    assert_eq!(fields["pages"], 3);
    let a2 = rows.iter().find(|r| &r[0] == "a2").unwrap();
    assert_eq!((&a2[at("date")], &a2[at("outlet")]), ("2024-06-15", ""));
}
