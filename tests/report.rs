//! `stance report` end to end on hand-made score files: the HTML parses, has every section and
//! chart, the tables hold the aggregates, and odd inputs (no dates, other labels, an empty file,
//! bad lines) give notes and counts rather than errors.

use stance::commands::report::{report, ReportConfig};
use stance::report::dates::Period;
use std::path::{Path, PathBuf};

fn line(
    doc: &str,
    date: Option<&str>,
    outlet: &str,
    actor: &str,
    scores: [(&str, f32); 3],
) -> String {
    let best = scores.iter().max_by(|a, b| a.1.total_cmp(&b.1)).unwrap().0;
    let mut v = serde_json::json!({
        "doc": doc, "sentence": 0, "start": 0, "end": 20,
        "text": format!("{actor} was in the news."),
        "actors": [{"actor": actor, "kind": "country",
            "mentions": [{"text": actor, "start": 0, "end": actor.chars().count()}],
            "stance": best,
            "scores": scores.iter().map(|(k, v)| (k.to_string(), serde_json::json!(v))).collect::<serde_json::Map<_, _>>()}],
        "fields": {"outlet": outlet},
    });
    if let Some(d) = date {
        v["fields"]["date"] = d.into();
    }
    v.to_string()
}

fn write(dir: &Path, name: &str, lines: &[String]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, lines.join("\n") + "\n").unwrap();
    p
}

fn cfg(inputs: Vec<PathBuf>, out: PathBuf) -> ReportConfig {
    ReportConfig {
        inputs,
        out,
        tables: None,
        by: Some(Period::Month),
        date_fields: vec!["date".into(), "published".into()],
        group_by: Some("outlet".into()),
        actors: None,
        top: 8,
        model: None,
        skip_bad: false,
    }
}

fn parse(html: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse_with_options(
        html,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .expect("the report is well-formed")
}

#[test]
fn report_has_every_section_chart_and_table() {
    let dir = tempfile::tempdir().unwrap();
    let s = |p: f32, c: f32| [("supportive", p), ("neutral", 1.0 - p - c), ("critical", c)];
    let mut lines = Vec::new();
    for i in 0..12 {
        let month = 1 + i % 3;
        let date = format!("2024-0{month}-1{}", i % 9);
        lines.push(line(
            &format!("d{i}"),
            Some(&date),
            ["A", "B"][i % 2],
            "China",
            s(0.6, 0.1),
        ));
        lines.push(line(
            &format!("d{i}"),
            Some(&date),
            ["A", "B"][i % 2],
            "Russia",
            s(0.1, 0.7),
        ));
    }
    lines.push("not json".into());
    let scores = write(dir.path(), "scores.jsonl", &lines);
    let out = dir.path().join("report.html");
    let mut c = cfg(vec![scores.clone()], out.clone());
    c.tables = Some(dir.path().join("tables"));
    // A line that is not a score record fails the run, naming the file and line...
    let e = report(&c).unwrap_err().to_string();
    assert!(e.contains("scores.jsonl") && e.contains("line 25"), "{e}");
    assert!(!out.exists());
    // ... unless --skip-bad, which counts it.
    c.skip_bad = true;
    let stats = report(&c).unwrap();
    assert_eq!(
        (stats.lines, stats.documents, stats.actors, stats.skipped),
        (24, 12, 2, 1)
    );
    let html = std::fs::read_to_string(&out).unwrap();
    let doc = parse(&html);
    let ids: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("h2"))
        .filter_map(|n| n.attribute("id"))
        .collect();
    assert_eq!(
        ids,
        [
            "overview",
            "time",
            "groups",
            "holders",
            "evidence",
            "provenance"
        ]
    );
    let svgs: Vec<_> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "svg")
        .collect();
    // Overview, one time chart per actor, by group.
    assert_eq!(svgs.len(), 4);
    for svg in &svgs {
        let texts: Vec<String> = svg
            .descendants()
            .filter(|n| n.tag_name().name() == "text")
            .map(|n| n.text().unwrap_or_default().trim().to_string())
            .collect();
        assert!(
            texts.iter().any(|t| t.contains("stance index")),
            "{texts:?}"
        );
        assert!(svg
            .descendants()
            .any(|n| n.tag_name().name() == "rect" || n.tag_name().name() == "polyline"));
    }
    // Nothing is fetched: no script, no external reference (only XML namespaces name URLs).
    let external = html
        .match_indices("http")
        .filter(|(i, _)| {
            !html[..*i].ends_with("xmlns=\"") && !html[..*i].ends_with("xmlns:xlink=\"")
        })
        .count();
    assert_eq!(external, 0, "external references in the report");
    assert!(!html.contains("<script"), "no script");
    assert!(
        html.contains("<mark class=\"s\">China</mark>"),
        "evidence highlights"
    );
    let overview = std::fs::read_to_string(dir.path().join("tables/overview.csv")).unwrap();
    let rows: Vec<&str> = overview.lines().collect();
    assert_eq!(
        rows[0],
        "actor,kind,sentences,critical,neutral,supportive,stance_index,ci_low,ci_high"
    );
    assert!(
        rows.iter()
            .any(|r| r.starts_with("China,country,12,0,0,12,0.5000,")),
        "{overview}"
    );
    assert!(
        rows.iter()
            .any(|r| r.starts_with("Russia,country,12,12,0,0,-0.6000,")),
        "{overview}"
    );
    let months = std::fs::read_to_string(dir.path().join("tables/over_time.csv")).unwrap();
    assert!(
        months.starts_with(
            "actor,period,period_start,sentences,critical,neutral,supportive,stance_index,ci_low,ci_high\n"
        ),
        "{months}"
    );
    assert!(
        months.contains("China,2024-01,2024-01-01,4,0,0,4,0.5000,"),
        "{months}"
    );
    let groups = std::fs::read_to_string(dir.path().join("tables/by_group.csv")).unwrap();
    assert!(groups.contains("Russia,A,6,6,0,0,-0.6000,"), "{groups}");
    // Every table row with an index has its interval, or is below five sentences.
    for table in ["overview.csv", "over_time.csv", "by_group.csv"] {
        let text = std::fs::read_to_string(dir.path().join("tables").join(table)).unwrap();
        let mut rdr = csv::Reader::from_reader(text.as_bytes());
        let head = rdr.headers().unwrap().clone();
        let col = |n: &str| head.iter().position(|h| h == n).unwrap();
        for r in rdr.records() {
            let r = r.unwrap();
            let n: usize = r[col("sentences")].parse().unwrap();
            let (lo, hi) = (&r[col("ci_low")], &r[col("ci_high")]);
            if n >= 5 {
                let (lo, hi, i): (f64, f64, f64) = (
                    lo.parse().unwrap(),
                    hi.parse().unwrap(),
                    r[col("stance_index")].parse().unwrap(),
                );
                assert!(lo <= i && i <= hi && hi - lo > 0.01, "{table}: {r:?}");
            } else {
                assert!(lo.is_empty() && hi.is_empty(), "{table}: {r:?}");
            }
        }
    }
}

#[test]
fn odd_inputs_give_notes_not_errors() {
    let dir = tempfile::tempdir().unwrap();
    // No dates, labels without supportive/critical, and an empty file.
    let other = |a: f32| [("FAVOR", a), ("NONE", 0.1), ("AGAINST", 0.9 - a)];
    let lines = vec![
        line("x", None, "A", "China", other(0.7)),
        line("y", Some("sometime in May"), "A", "China", other(0.2)),
    ];
    let scores = write(dir.path(), "scores.jsonl", &lines);
    let empty = write(dir.path(), "empty.jsonl", &[]);
    let out = dir.path().join("r.html");
    let stats = report(&cfg(vec![scores, empty], out.clone())).unwrap();
    assert_eq!(
        (stats.lines, stats.dates_missing, stats.dates_unparsed),
        (2, 1, 1)
    );
    let html = std::fs::read_to_string(&out).unwrap();
    parse(&html);
    assert!(
        html.contains("this section is left out"),
        "no dates: a note"
    );
    assert!(
        html.contains("the stance index is not shown"),
        "other labels: a note"
    );
    assert!(html.contains("FAVOR"), "counts are shown");
    // Only an empty file: an empty report, not an error.
    let out2 = dir.path().join("r2.html");
    let s = report(&cfg(vec![dir.path().join("empty.jsonl")], out2.clone())).unwrap();
    assert_eq!(s.lines, 0);
    parse(&std::fs::read_to_string(&out2).unwrap());
    // A missing file is an error naming it.
    let e = report(&cfg(vec![dir.path().join("nope.jsonl")], out2)).unwrap_err();
    assert!(e.to_string().contains("nope.jsonl"), "{e}");
}

/// The example report rendered by a real browser (headless Chromium), when one is installed.
#[test]
fn headless_chromium_renders_the_report() {
    let browser = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            std::process::Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        });
    let Some(browser) = browser else {
        stance::testing::skip(
            "headless_chromium_renders_the_report",
            "no Chromium here (Debian package `chromium`)",
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let s = |p: f32, c: f32| [("supportive", p), ("neutral", 1.0 - p - c), ("critical", c)];
    let lines: Vec<String> = (0..20)
        .map(|i| {
            line(
                &format!("d{i}"),
                Some(&format!("2024-0{}-10", 1 + i % 4)),
                "A",
                "China",
                s(0.1 * (i % 7) as f32, 0.2),
            )
        })
        .collect();
    let scores = write(dir.path(), "scores.jsonl", &lines);
    let html = dir.path().join("r.html");
    report(&cfg(vec![scores], html.clone())).unwrap();
    let png = dir.path().join("r.png");
    let o = std::process::Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1000,1400",
        ])
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let bytes = std::fs::read(&png).expect("a screenshot");
    assert!(
        bytes.starts_with(b"\x89PNG") && bytes.len() > 20_000,
        "{} bytes",
        bytes.len()
    );
}

#[test]
fn holders_are_tallied_per_holder_and_target() {
    let dir = tempfile::tempdir().unwrap();
    let s = |p: f32, c: f32| [("supportive", p), ("neutral", 1.0 - p - c), ("critical", c)];
    let with_holder = |doc: &str, actor: &str, scores, holder: Option<&str>| {
        let mut v: serde_json::Value =
            serde_json::from_str(&line(doc, Some("2024-01-05"), "A", actor, scores)).unwrap();
        if let Some(h) = holder {
            v["actors"][0]["holder"] = h.into();
        }
        v.to_string()
    };
    let lines = vec![
        with_holder("d1", "China", s(0.1, 0.8), Some("Volodymyr Zelensky")),
        with_holder("d2", "China", s(0.2, 0.7), Some("Volodymyr Zelensky")),
        with_holder("d3", "China", s(0.7, 0.1), Some("Sergei Lavrov")),
        with_holder("d4", "China", s(0.3, 0.3), None),
        with_holder("d5", "Russia", s(0.0, 0.9), Some("Volodymyr Zelensky")),
    ];
    let scores = write(dir.path(), "scores.jsonl", &lines);
    let out = dir.path().join("report.html");
    let mut c = cfg(vec![scores], out.clone());
    c.tables = Some(dir.path().join("tables"));
    report(&c).unwrap();
    let table = std::fs::read_to_string(dir.path().join("tables/holders.csv")).unwrap();
    let rows: Vec<Vec<String>> = csv::Reader::from_reader(table.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    let find = |h: &str, a: &str| {
        rows.iter()
            .find(|r| r[0] == h && r[1] == a)
            .cloned()
            .unwrap()
    };
    // holder, actor, sentences, critical, neutral, supportive, index
    let z = find("Volodymyr Zelensky", "China");
    assert_eq!(&z[2..6], ["2", "2", "0", "0"]);
    let idx: f64 = z[6].parse().unwrap();
    assert!(
        (idx - ((0.1 - 0.8) + (0.2 - 0.7)) / 2.0).abs() < 1e-4,
        "{idx}"
    );
    assert_eq!(&find("Sergei Lavrov", "China")[2..6], ["1", "0", "0", "1"]);
    assert_eq!(
        &find("Volodymyr Zelensky", "Russia")[2..6],
        ["1", "1", "0", "0"]
    );
    assert_eq!(rows.len(), 3, "the sentence without a holder is in no row");
    // The HTML table, most frequent first.
    let html = std::fs::read_to_string(&out).unwrap();
    let doc = parse(&html);
    let section = doc
        .descendants()
        .find(|n| n.attribute("id") == Some("holders"))
        .unwrap();
    let table = section
        .next_siblings()
        .find(|n| n.has_tag_name("table"))
        .unwrap();
    let first_row: Vec<String> = table
        .children()
        .filter(|n| n.has_tag_name("tr"))
        .nth(1)
        .unwrap()
        .children()
        .filter(|n| n.has_tag_name("td"))
        .map(|n| n.text().unwrap_or_default().to_string())
        .collect();
    assert_eq!(&first_row[..3], ["Volodymyr Zelensky", "China", "2"]);
    // Every index shown has its interval (here: too few sentences for one).
    let heads: Vec<String> = table
        .descendants()
        .filter(|n| n.has_tag_name("th"))
        .map(|n| n.text().unwrap_or_default().to_string())
        .collect();
    assert_eq!(heads.last().map(String::as_str), Some("95% interval"));
    assert!(
        first_row.last().unwrap().starts_with("too few"),
        "{first_row:?}"
    );
}

#[test]
fn who_and_when_names_the_models_of_the_lines_and_warns_when_they_differ() {
    let dir = tempfile::tempdir().unwrap();
    let scores = [("supportive", 0.7), ("neutral", 0.2), ("critical", 0.1)];
    let with_model = |doc: &str, model: &str| {
        let mut v: serde_json::Value =
            serde_json::from_str(&line(doc, Some("2024-01-02"), "A", "China", scores)).unwrap();
        v["model"] = model.into();
        v.to_string()
    };
    let one = write(dir.path(), "one.jsonl", &[with_model("a", "m1@00aa")]);
    let two = write(dir.path(), "two.jsonl", &[with_model("b", "m2@00bb")]);
    let out = dir.path().join("r.html");
    std::env::set_var("SOURCE_DATE_EPOCH", "86400");
    report(&cfg(vec![one.clone()], out.clone())).unwrap();
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.contains("scored by: m1@00aa (1 lines)"), "{html}");
    assert!(html.contains("1970-01-02 00:00 UTC") && !html.contains("different models"));
    report(&cfg(vec![one, two], out.clone())).unwrap();
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(
        html.contains("m1@00aa (1 lines), m2@00bb (1 lines)"),
        "{html}"
    );
    assert!(html.contains("scored by 2 different models"), "{html}");

    // `--model` describes the model on the page: one the lines do not name is refused.
    let fast = write(
        dir.path(),
        "fast.jsonl",
        &[with_model("c", "minilm-distilled@00cc")],
    );
    let mut described = cfg(vec![fast], out.clone());
    described.model = Some("mpnet-newsmtsc-v7".into());
    let e = report(&described).unwrap_err().to_string();
    assert!(
        e.contains("did not score this input") && e.contains("minilm-distilled@00cc"),
        "{e}"
    );
    described.model = Some("fast".into());
    report(&described).unwrap();
    assert!(std::fs::read_to_string(&out)
        .unwrap()
        .contains("minilm-distilled (base"));
}

#[test]
fn a_tables_folder_that_cannot_be_made_fails_before_the_page_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let scores = [("supportive", 0.7), ("neutral", 0.2), ("critical", 0.1)];
    let input = write(
        dir.path(),
        "s.jsonl",
        &[line("a", Some("2024-01-02"), "A", "China", scores)],
    );
    let blocker = dir.path().join("tables");
    std::fs::write(&blocker, "a file where the folder would go").unwrap();
    let out = dir.path().join("r.html");
    let mut c = cfg(vec![input], out.clone());
    c.tables = Some(blocker);
    assert!(report(&c).is_err());
    assert!(!out.exists(), "no page is written when the run fails");
}

#[test]
fn wrong_files_repeated_files_and_invalid_scores_are_refused_or_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let good = [("supportive", 0.7), ("neutral", 0.2), ("critical", 0.1)];
    let lines = vec![
        line("a", Some("2024-01-02"), "A", "China", good),
        line(
            "b",
            Some("2024-01-03"),
            "A",
            "China",
            [("supportive", 5.0), ("neutral", -3.0), ("critical", 0.0)],
        ),
        line(
            "c",
            Some("2024-01-04"),
            "A",
            "China",
            [("supportive", 0.5), ("neutral", 0.5), ("critical", 0.5)],
        ),
    ];
    let mut furious: serde_json::Value =
        serde_json::from_str(&line("d", Some("2024-01-05"), "A", "China", good)).unwrap();
    furious["actors"][0]["stance"] = "furious".into();
    let mut empty: serde_json::Value =
        serde_json::from_str(&line("e", Some("2024-01-06"), "A", "China", good)).unwrap();
    empty["actors"][0]["scores"] = serde_json::json!({});
    let mut all = lines.clone();
    all.push(furious.to_string());
    all.push(empty.to_string());
    let scores = write(dir.path(), "s.jsonl", &all);
    let out = dir.path().join("r.html");
    let s = report(&cfg(vec![scores.clone()], out.clone())).unwrap();
    assert_eq!(
        (s.lines, s.actors_invalid),
        (5, 4),
        "four invalid entries left out"
    );
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(
        !html.contains(">inf") && !html.contains("NaN"),
        "no infinite index"
    );

    // Not score output (a summary file, CSV output): an error naming the file.
    let summary = write(
        dir.path(),
        "summary.jsonl",
        &[r#"{"doc":"a","actor":"China","kind":"country","sentences":1,"counts":{}}"#.to_string()],
    );
    let e = report(&cfg(vec![summary], out.clone()))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("summary.jsonl") && e.contains("score record"),
        "{e}"
    );
    let csv = write(
        dir.path(),
        "s.csv",
        &["doc,sentence,actor".to_string(), "a,0,China".to_string()],
    );
    assert!(report(&cfg(vec![csv], out.clone())).is_err());

    // The same file twice, by another spelling or as a copy: refused.
    let copy = dir.path().join("copy.jsonl");
    std::fs::copy(&scores, &copy).unwrap();
    for twice in [dir.path().join("./s.jsonl"), copy] {
        let e = report(&cfg(vec![scores.clone(), twice], out.clone()))
            .unwrap_err()
            .to_string();
        assert!(e.contains("same score file"), "{e}");
    }
}

/// A `stance score` line through the library's own writer.
fn record(doc: &str, date: &str, actor: &str, s: f32, c: f32) -> stance::io::scores::SentenceOut {
    use stance::io::scores::{ActorStance, MentionOut, SentenceOut};
    let n = 1.0 - s - c;
    let stance = if s >= c && s >= n {
        "supportive"
    } else if c >= n {
        "critical"
    } else {
        "neutral"
    };
    let mut fields = serde_json::Map::new();
    fields.insert("date".into(), date.into());
    fields.insert(
        "outlet".into(),
        (if doc.len().is_multiple_of(2) {
            "A, Inc."
        } else {
            "B \"quoted\""
        })
        .into(),
    );
    SentenceOut {
        doc: doc.into(),
        sentence: 2,
        start: 10,
        end: 40,
        text: format!("Officials said {actor}, again, was in the news."),
        actors: vec![ActorStance {
            actor: actor.into(),
            kind: "country".into(),
            affiliation: None,
            mentions: vec![MentionOut {
                text: actor.into(),
                start: 15,
                end: 15 + actor.chars().count(),
                via: Default::default(),
            }],
            stance: stance.into(),
            scores: [("supportive", s), ("neutral", n), ("critical", c)]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            holder: Some("Officials".into()),
        }],
        model: Some("m@0011".into()),
        version: Some("9.9.9".into()),
        fields,
    }
}

#[test]
fn a_csv_score_file_gives_the_same_report_as_its_jsonl_twin() {
    use stance::io::scores::{write_csv_header, write_lines, Format};
    let dir = tempfile::tempdir().unwrap();
    let labels: Vec<String> = ["supportive", "neutral", "critical"]
        .map(String::from)
        .to_vec();
    let recs: Vec<_> = (0..40)
        .map(|i| {
            record(
                &format!("doc{i}"),
                &format!("2024-0{}-1{}", 1 + i % 5, i % 9),
                ["China", "Russia"][i % 2],
                0.1 + 0.017 * i as f32,
                0.3 - 0.004 * i as f32,
            )
        })
        .collect();
    let mut jsonl = Vec::new();
    write_lines(&mut jsonl, &recs, Format::Jsonl, &labels, &[]).unwrap();
    let mut csv = Vec::new();
    write_csv_header(&mut csv, &labels, &[]).unwrap();
    write_lines(&mut csv, &recs, Format::Csv, &labels, &[]).unwrap();
    std::fs::write(dir.path().join("s.jsonl"), &jsonl).unwrap();
    std::fs::write(dir.path().join("s.csv"), &csv).unwrap();
    let mut pages = Vec::new();
    for (name, tables) in [("s.jsonl", "tj"), ("s.csv", "tc")] {
        let out = dir.path().join(format!("{name}.html"));
        let mut c = cfg(vec![dir.path().join(name)], out.clone());
        c.tables = Some(dir.path().join(tables));
        std::env::set_var("SOURCE_DATE_EPOCH", "86400");
        let s = report(&c).unwrap();
        assert_eq!((s.lines, s.skipped, s.actors_invalid), (40, 0, 0));
        let html = std::fs::read_to_string(&out).unwrap();
        // Only the inputs line names the file.
        pages.push(html.replace(name, "INPUT"));
    }
    assert_eq!(pages[0], pages[1]);
    assert!(
        pages[0].contains("stance 9.9.9 (40 lines)"),
        "the version is named"
    );
    for t in [
        "overview.csv",
        "over_time.csv",
        "by_group.csv",
        "holders.csv",
        "evidence.csv",
    ] {
        assert_eq!(
            std::fs::read(dir.path().join("tj").join(t)).unwrap(),
            std::fs::read(dir.path().join("tc").join(t)).unwrap(),
            "{t}"
        );
    }
}

#[test]
fn actors_and_group_fields_not_in_the_data_are_errors_listing_what_is_there() {
    let dir = tempfile::tempdir().unwrap();
    let good = [("supportive", 0.7), ("neutral", 0.2), ("critical", 0.1)];
    let input = write(
        dir.path(),
        "s.jsonl",
        &[
            line("a", Some("2024-01-02"), "A", "China", good),
            line("b", Some("2024-01-02"), "A", "Russia", good),
        ],
    );
    let out = dir.path().join("r.html");
    let mut c = cfg(vec![input], out.clone());
    c.actors = Some(vec!["Atlantis".into(), "china".into()]);
    let e = report(&c).unwrap_err().to_string();
    assert!(
        e.contains("\"Atlantis\"") && e.contains("China, Russia"),
        "{e}"
    );
    c.actors = Some(vec!["".into()]);
    assert!(report(&c)
        .unwrap_err()
        .to_string()
        .contains("--actors is empty"));
    c.actors = None;
    c.group_by = Some("nosuch".into());
    let e = report(&c).unwrap_err().to_string();
    assert!(
        e.contains("nosuch") && e.contains("outlet") && e.contains("date"),
        "{e}"
    );
    assert!(!out.exists(), "nothing written");
    c.group_by = Some("outlet".into());
    c.actors = Some(vec!["china".into()]);
    report(&c).unwrap();
}

#[test]
fn a_gap_archive_is_drawn_on_a_time_axis_and_evidence_says_when_a_side_has_none() {
    let dir = tempfile::tempdir().unwrap();
    let neutral = [("supportive", 0.1), ("neutral", 0.8), ("critical", 0.1)];
    // 2023-08, then nothing until 2024-06 and 2024-07: spans under two years, so weeks.
    let mut lines = Vec::new();
    for (k, d) in ["2023-08-07", "2024-06-03", "2024-07-01"]
        .iter()
        .enumerate()
    {
        for i in 0..6 {
            lines.push(line(
                &format!("d{k}-{i}"),
                Some(d),
                "A",
                "Luxembourg",
                neutral,
            ));
        }
    }
    let input = write(dir.path(), "gap.jsonl", &lines);
    let out = dir.path().join("r.html");
    let mut c = cfg(vec![input], out.clone());
    c.by = None;
    c.tables = Some(dir.path().join("t"));
    report(&c).unwrap();
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(
        html.contains("One point per week (chosen from the archive's date span of 330 days"),
        "the period and why"
    );
    assert!(
        html.contains("most supportive: no supportive sentence."),
        "no neutral sentence is shown as supportive"
    );
    assert!(html.contains("most critical: no critical sentence."));
    let weeks = std::fs::read_to_string(dir.path().join("t/over_time.csv")).unwrap();
    assert_eq!(
        weeks.lines().count(),
        4,
        "three weeks with sentences, no rows for empty ones: {weeks}"
    );
    // Six identical sentences: an interval that is not zero-width.
    let doc = parse(&html);
    let overview_row: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("td"))
        .map(|n| n.text().unwrap_or_default().to_string())
        .take(8)
        .collect();
    let iv = overview_row.last().unwrap();
    let (lo, hi) = iv.split_once(" … ").unwrap();
    let (lo, hi): (f64, f64) = (lo.parse().unwrap(), hi.parse().unwrap());
    assert!(hi - lo > 0.3, "{iv}");
}
