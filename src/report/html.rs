//! The report as one self-contained HTML file (XHTML-compatible markup, inline CSS and SVG; no
//! script, font or image from the network), and the same aggregates as CSV tables.

use super::charts::{self, Bar, Point};
use super::tally::{ActorTally, Cell, Evidence, Tally, MIN_SENTENCES};
use crate::error::{Error, Result};
use std::fmt::Write as _;
use std::path::Path;

/// What the "who and when" section says beyond the tally.
#[derive(Debug, Clone, Default)]
pub struct Provenance {
    pub inputs: Vec<String>,
    /// Model name and its scores, when given.
    pub model: Option<String>,
}

/// Report settings that shape the output.
#[derive(Debug, Clone)]
pub struct Layout {
    /// Actors shown in the sections per actor (by number of sentences).
    pub top: usize,
    /// Only these actors, when given.
    pub actors: Option<Vec<String>>,
}

pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

/// The actors the per-actor sections show.
pub fn chosen<'a>(t: &'a Tally, layout: &Layout) -> Vec<(&'a String, &'a ActorTally)> {
    let ranked = t.ranked();
    match &layout.actors {
        Some(names) => ranked
            .into_iter()
            .filter(|(n, _)| names.iter().any(|x| x.eq_ignore_ascii_case(n)))
            .collect(),
        None => ranked.into_iter().take(layout.top).collect(),
    }
}

/// One overview row per actor: label counts, index and its interval.
pub struct OverviewRow {
    pub actor: String,
    pub kind: String,
    pub sentences: usize,
    pub counts: Vec<usize>,
    pub index: Option<f64>,
    pub interval: Option<(f64, f64)>,
}

pub fn overview(t: &Tally) -> Vec<OverviewRow> {
    t.ranked()
        .into_iter()
        .map(|(name, a)| OverviewRow {
            actor: name.clone(),
            kind: a.kind.clone(),
            sentences: a.total.sentences,
            counts: t
                .labels
                .iter()
                .map(|l| a.total.counts.get(l).copied().unwrap_or(0))
                .collect(),
            index: a.total.index(),
            interval: a.total.interval(),
        })
        .collect()
}

/// An interval for a table cell: `low … high`, or why there is none.
fn interval_text(c: &Cell) -> String {
    match c.interval() {
        Some((a, b)) => format!("{a:+.3} … {b:+.3}"),
        None if c.index_n > 0 => format!("too few sentences (fewer than {MIN_SENTENCES})"),
        None => "–".into(),
    }
}

/// The stance index and its 95% interval as two table cells.
fn index_cells(c: &Cell) -> String {
    format!("<td>{}</td><td>{}</td>", f(c.index()), interval_text(c))
}

/// The note under every interval.
const INTERVAL_NOTE: &str = "Intervals are 95% Student-t intervals of the mean index, with one pseudo-sentence at −1 and one at +1 added so that a few near-identical sentences do not give a near-zero-width interval; below 5 sentences none is given (hollow marks, \"too few\"). Sentences of one article are not independent, so intervals are, if anything, too narrow.";

const STYLE: &str = "body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}\
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}\
td.l,th.l{text-align:left}mark.s{background:#cde5f5}mark.c{background:#f7d5bf}\
.note{color:#555;font-style:italic}li{margin:0.4em 0}";

fn f(x: Option<f64>) -> String {
    x.map_or("–".into(), |v| format!("{v:+.3}"))
}

/// The HTML report: the overview, stance over time, by group, holders, evidence, and where
/// it all came from.
pub fn render(t: &Tally, layout: &Layout, prov: &Provenance) -> Result<String> {
    let mut h = String::new();
    let shown = chosen(t, layout);
    writeln!(h, "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\"><head><meta charset=\"utf-8\"/><title>stance report</title><style>{STYLE}</style></head><body>")?;
    writeln!(h, "<h1>Stance report</h1>")?;
    overview_section(&mut h, t, &shown)?;
    time_section(&mut h, t, &shown)?;
    group_section(&mut h, t, &shown)?;
    holder_section(&mut h, t, layout)?;
    evidence_section(&mut h, t, &shown)?;
    provenance_section(&mut h, t, prov)?;
    writeln!(h, "</body></html>")?;
    Ok(h)
}

/// The header cells of the stance index and its interval.
const INDEX_HEADS: &str = "<th>stance index</th><th>95% interval</th>";

/// Opens a table with its header row: the `first` header cells, a column per label (its name
/// followed by `label_suffix`), then the `last` header cells.
fn table_head(
    h: &mut String,
    t: &Tally,
    first: &str,
    label_suffix: &str,
    last: &str,
) -> Result<()> {
    write!(h, "<table><tr>{first}")?;
    for l in &t.labels {
        write!(h, "<th>{}{label_suffix}</th>", escape(l))?;
    }
    writeln!(h, "{last}</tr>")?;
    Ok(())
}

/// The overview table of every actor, and the index bars of the shown ones.
fn overview_section(h: &mut String, t: &Tally, shown: &[(&String, &ActorTally)]) -> Result<()> {
    let rows = overview(t);
    writeln!(h, "<h2 id=\"overview\">Overview</h2>")?;
    if !t.has_index() {
        writeln!(h, "<p class=\"note\">The label set has no supportive and critical labels: the stance index is not shown, counts are.</p>")?;
    }
    table_head(
        h,
        t,
        "<th class=\"l\">actor</th><th class=\"l\">kind</th><th>sentences</th>",
        "",
        INDEX_HEADS,
    )?;
    let cells: std::collections::HashMap<&str, &Cell> = t
        .actors
        .iter()
        .map(|(n, a)| (n.as_str(), &a.total))
        .collect();
    for r in &rows {
        write!(
            h,
            "<tr><td class=\"l\">{}</td><td class=\"l\">{}</td><td>{}</td>",
            escape(&r.actor),
            escape(&r.kind),
            r.sentences
        )?;
        for c in &r.counts {
            write!(h, "<td>{c}</td>")?;
        }
        let iv = cells
            .get(r.actor.as_str())
            .map_or("–".into(), |c| interval_text(c));
        writeln!(h, "<td>{}</td><td>{iv}</td></tr>", f(r.index))?;
    }
    writeln!(h, "</table>")?;
    writeln!(h, "<p class=\"note\">{}</p>", escape(INTERVAL_NOTE))?;
    if t.has_index() && !shown.is_empty() {
        let bars: Vec<Bar> = shown
            .iter()
            .filter_map(|(n, a)| {
                Some(Bar {
                    label: (*n).clone(),
                    index: a.total.index()?,
                    interval: a.total.interval(),
                    sentences: a.total.sentences,
                })
            })
            .collect();
        writeln!(
            h,
            "{}",
            strip_xml_decl(&charts::index_bars(
                "Stance index by actor",
                "actor (sentences)",
                &bars,
                MIN_SENTENCES
            )?)
        )?;
    }
    Ok(())
}

/// Stance over time of each shown actor: a chart and a table per actor.
fn time_section(h: &mut String, t: &Tally, shown: &[(&String, &ActorTally)]) -> Result<()> {
    let labels: Vec<&String> = t.labels.iter().collect();
    writeln!(h, "<h2 id=\"time\">Over time</h2>")?;
    let dated = shown.iter().any(|(_, a)| !a.days.is_empty());
    let by = t.period();
    if !dated {
        writeln!(h, "<p class=\"note\">None of the shown actors' sentences has a date that parses (fields tried: {}; {} documents without a date, {} with one that does not parse); this section is left out.</p>", escape(&t.opts.date_fields.join(", ")), t.dates_missing, t.dates_unparsed)?;
    } else {
        let why = if t.opts.by.is_some() {
            "as asked with --by".to_string()
        } else {
            let span = match (t.first, t.last) {
                (Some(a), Some(b)) => b.days() - a.days() + 1,
                _ => 0,
            };
            format!("chosen from the archive's date span of {span} days: a day under two months, a week under two years, a month beyond; --by sets it")
        };
        writeln!(h, "<p>One point per {} ({why}), placed at the middle of its {} on a time axis: a {} without sentences keeps its place, empty, and the line does not join across it.</p>", by.name(), by.name(), by.name())?;
        for (name, a) in shown {
            if a.days.is_empty() {
                continue;
            }
            let periods = t.periods_of(a);
            writeln!(h, "<h3>{}</h3>", escape(name))?;
            if t.has_index() {
                let points: Vec<Point> = periods
                    .iter()
                    .filter_map(|p| {
                        Some(Point {
                            period: p.label.clone(),
                            start: p.start,
                            end: p.end,
                            index: p.cell.index()?,
                            interval: p.cell.interval(),
                            sentences: p.cell.sentences,
                        })
                    })
                    .collect();
                writeln!(
                    h,
                    "{}",
                    strip_xml_decl(&charts::over_time(
                        &format!("{name}: stance index per {}", by.name()),
                        by.name(),
                        &points,
                        MIN_SENTENCES
                    )?)
                )?;
            }
            table_head(
                h,
                t,
                "<th class=\"l\">period</th><th>sentences</th>",
                " share",
                INDEX_HEADS,
            )?;
            for p in &periods {
                let c = &p.cell;
                write!(
                    h,
                    "<tr><td class=\"l\">{}</td><td>{}</td>",
                    escape(&p.label),
                    c.sentences
                )?;
                for l in &labels {
                    let share =
                        c.counts.get(*l).copied().unwrap_or(0) as f64 / c.sentences.max(1) as f64;
                    write!(h, "<td>{:.0}%</td>", 100.0 * share)?;
                }
                writeln!(h, "{}</tr>", index_cells(c))?;
            }
            writeln!(h, "</table>")?;
        }
    }
    Ok(())
}

/// Stance by group (`--group-by`) of each shown actor.
fn group_section(h: &mut String, t: &Tally, shown: &[(&String, &ActorTally)]) -> Result<()> {
    writeln!(h, "<h2 id=\"groups\">By group</h2>")?;
    let grouped = shown.iter().any(|(_, a)| !a.groups.is_empty());
    if !grouped {
        writeln!(
            h,
            "<p class=\"note\">No --group-by field given; this section is left out.</p>"
        )?;
    } else {
        let bars: Vec<Bar> = shown
            .iter()
            .flat_map(|(n, a)| {
                a.groups.iter().filter_map(move |(g, c)| {
                    Some(Bar {
                        label: format!("{n} · {g}"),
                        index: c.index()?,
                        interval: c.interval(),
                        sentences: c.sentences,
                    })
                })
            })
            .collect();
        if t.has_index() {
            writeln!(
                h,
                "{}",
                strip_xml_decl(&charts::index_bars(
                    "Stance index by actor and group",
                    "actor · group (sentences)",
                    &bars,
                    MIN_SENTENCES
                )?)
            )?;
        }
        writeln!(h, "<table><tr><th class=\"l\">actor</th><th class=\"l\">group</th><th>sentences</th><th>stance index</th><th>95% interval</th></tr>")?;
        for (n, a) in shown {
            for (g, c) in &a.groups {
                writeln!(
                    h,
                    "<tr><td class=\"l\">{}</td><td class=\"l\">{}</td><td>{}</td>{}</tr>",
                    escape(n),
                    escape(g),
                    c.sentences,
                    index_cells(c)
                )?;
            }
        }
        writeln!(h, "</table>")?;
    }
    Ok(())
}

/// Who holds which stance toward whom.
fn holder_section(h: &mut String, t: &Tally, layout: &Layout) -> Result<()> {
    writeln!(h, "<h2 id=\"holders\">Who holds which stance</h2>")?;
    let pairs = holder_rows(t, layout);
    if pairs.is_empty() {
        writeln!(
            h,
            "<p class=\"note\">No sentence of the shown actors names who holds its stance (quotes, reporting verbs).</p>"
        )?;
    } else {
        writeln!(
            h,
            "<p>Sentences whose stance toward an actor is someone's (a quote's speaker, the subject of a reporting verb), by holder, most frequent first (at most {MAX_HOLDER_ROWS}).</p>"
        )?;
        table_head(
            h,
            t,
            "<th class=\"l\">holder</th><th class=\"l\">toward</th><th>sentences</th>",
            "",
            INDEX_HEADS,
        )?;
        for (holder, target, c) in &pairs {
            write!(
                h,
                "<tr><td class=\"l\">{}</td><td class=\"l\">{}</td><td>{}</td>",
                escape(holder),
                escape(target),
                c.sentences
            )?;
            for l in &t.labels {
                write!(h, "<td>{}</td>", c.counts.get(l).copied().unwrap_or(0))?;
            }
            writeln!(h, "{}</tr>", index_cells(c))?;
        }
        writeln!(h, "</table>")?;
        writeln!(h, "<p class=\"note\">{}</p>", escape(INTERVAL_NOTE))?;
    }
    Ok(())
}

/// The most supportive and most critical sentences of each shown actor.
fn evidence_section(h: &mut String, t: &Tally, shown: &[(&String, &ActorTally)]) -> Result<()> {
    writeln!(h, "<h2 id=\"evidence\">Evidence</h2>")?;
    if !t.has_index() {
        writeln!(
            h,
            "<p class=\"note\">Needs supportive and critical labels.</p>"
        )?;
    }
    for (name, a) in shown.iter().filter(|_| t.has_index()) {
        writeln!(h, "<h3>{}</h3>", escape(name))?;
        for (title, side, list, class) in [
            ("most supportive", "supportive", &a.supportive, "s"),
            ("most critical", "critical", &a.critical, "c"),
        ] {
            if list.is_empty() {
                writeln!(h, "<p>{title}: no {side} sentence.</p>")?;
                continue;
            }
            writeln!(h, "<p>{title}:</p><ol>")?;
            for e in list.iter() {
                writeln!(h, "<li>{}</li>", evidence(e, class))?;
            }
            writeln!(h, "</ol>")?;
        }
    }
    Ok(())
}

/// Who and when: inputs, models, versions, dates and skipped lines.
fn provenance_section(h: &mut String, t: &Tally, prov: &Provenance) -> Result<()> {
    writeln!(h, "<h2 id=\"provenance\">Who and when</h2><ul>")?;
    writeln!(h, "<li>inputs: {}</li>", escape(&prov.inputs.join(", ")))?;
    writeln!(
        h,
        "<li>scored by: {}</li>",
        escape(&line_counts(&t.models, ""))
    )?;
    writeln!(
        h,
        "<li>scored with: {}</li>",
        escape(&line_counts(&t.versions, "stance "))
    )?;
    if t.models.len() > 1 {
        writeln!(
            h,
            "<li><strong>warning:</strong> the inputs were scored by {} different models; their calls are not comparable</li>",
            t.models.len()
        )?;
    }
    if let Some(m) = &prov.model {
        writeln!(h, "<li>model described: {}</li>", escape(m))?;
    }
    writeln!(
        h,
        "<li>made by stance {} at {}</li>",
        env!("CARGO_PKG_VERSION"),
        escape(&now_utc())
    )?;
    let range = match (t.first, t.last) {
        (Some(a), Some(b)) => format!(
            "{} to {}",
            a.period(super::dates::Period::Day),
            b.period(super::dates::Period::Day)
        ),
        _ => "no dates".into(),
    };
    writeln!(
        h,
        "<li>dates: {range} ({} documents without a date, {} with a date that does not parse)</li>",
        t.dates_missing, t.dates_unparsed
    )?;
    writeln!(
        h,
        "<li>{} sentence lines, {} documents, {} actors; {} lines skipped</li>",
        t.lines,
        t.documents,
        t.actors.len(),
        t.skipped_count
    )?;
    for s in &t.skipped {
        writeln!(
            h,
            "<li class=\"note\">skipped {}:{}: {}</li>",
            escape(&s.source),
            s.line,
            escape(&s.message)
        )?;
    }
    writeln!(h, "</ul>")?;
    Ok(())
}

/// `PREFIX name (N lines), …` of what the score lines name (models, versions).
fn line_counts(named: &std::collections::BTreeMap<String, usize>, prefix: &str) -> String {
    if named.is_empty() {
        return "not recorded in the score lines (older output)".into();
    }
    named
        .iter()
        .map(|(v, n)| format!("{prefix}{v} ({n} lines)"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn strip_xml_decl(svg: &str) -> &str {
    match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => svg,
    }
}

/// An evidence sentence with the actor's mentions highlighted, its document and fields.
fn evidence(e: &Evidence, class: &str) -> String {
    let chars: Vec<char> = e.text.chars().collect();
    let mut out = String::new();
    let mut at = 0;
    let mut spans = e.mentions.clone();
    spans.sort();
    for (s, end) in spans {
        if s < at || end > chars.len() {
            continue;
        }
        out += &escape(&chars[at..s].iter().collect::<String>());
        out += &format!(
            "<mark class=\"{class}\">{}</mark>",
            escape(&chars[s..end].iter().collect::<String>())
        );
        at = end;
    }
    out += &escape(&chars[at..].iter().collect::<String>());
    let fields: Vec<String> = e
        .fields
        .iter()
        .map(|(k, v)| format!("{k}: {}", v.as_str().map_or(v.to_string(), String::from)))
        .collect();
    format!(
        "{out} <span class=\"note\">({:+.2}; {} #{}{}{})</span>",
        e.index,
        escape(&e.doc),
        e.sentence,
        if fields.is_empty() { "" } else { "; " },
        escape(&fields.join(", "))
    )
}

/// The aggregates as CSV files in `dir`: overview, over time, by group, evidence.
/// Holder rows shown in the report.
pub const MAX_HOLDER_ROWS: usize = 40;

/// (holder, target, cell) of the shown actors, most sentences first (then by names).
pub fn holder_rows<'a>(t: &'a Tally, layout: &Layout) -> Vec<(&'a String, &'a String, &'a Cell)> {
    let mut rows: Vec<(&String, &String, &Cell)> = chosen(t, layout)
        .into_iter()
        .flat_map(|(target, a)| a.holders.iter().map(move |(h, c)| (h, target, c)))
        .collect();
    rows.sort_by(|a, b| {
        b.2.sentences
            .cmp(&a.2.sentences)
            .then(a.0.cmp(b.0))
            .then(a.1.cmp(b.1))
    });
    rows.truncate(MAX_HOLDER_ROWS);
    rows
}

pub fn write_tables(t: &Tally, dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    write_csv(dir, "overview.csv", overview_table(t))?;
    let (over_time, by_group) = time_and_group_tables(t);
    write_csv(dir, "over_time.csv", over_time)?;
    write_csv(dir, "by_group.csv", by_group)?;
    write_csv(dir, "holders.csv", holder_table(t))?;
    write_csv(dir, "evidence.csv", evidence_table(t))
}

/// Writes `rows` as the CSV file `dir/name` (atomically).
fn write_csv(dir: &Path, name: &str, rows: Vec<Vec<String>>) -> Result<()> {
    let csv_err = |e: csv::Error| Error::Render {
        what: "a table",
        message: e.to_string(),
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.write_record(&r).map_err(csv_err)?;
    }
    let bytes = w.into_inner().map_err(|e| Error::Render {
        what: "a table",
        message: e.to_string(),
    })?;
    crate::io::atomic::write_bytes(dir.join(name), &bytes)
}

/// A number of a table: four decimals, empty for none.
fn num(x: Option<f64>) -> String {
    x.map_or(String::new(), |v| format!("{v:.4}"))
}

/// A table's header: `first`, `second`, sentences, one column per label, the index and its
/// interval.
fn cell_head(t: &Tally, first: &str, second: &str) -> Vec<String> {
    let mut head = vec![first.to_string(), second.into(), "sentences".into()];
    head.extend(t.labels.iter().cloned());
    head.extend(["stance_index".into(), "ci_low".into(), "ci_high".into()]);
    head
}

/// A row under [`cell_head`]: every table with an index has its interval (empty below
/// [`MIN_SENTENCES`] sentences).
fn cell_row(t: &Tally, first: &str, second: &str, c: &Cell) -> Vec<String> {
    let mut row = vec![
        first.to_string(),
        second.to_string(),
        c.sentences.to_string(),
    ];
    row.extend(
        t.labels
            .iter()
            .map(|l| c.counts.get(l).copied().unwrap_or(0).to_string()),
    );
    let iv = c.interval();
    row.extend([num(c.index()), num(iv.map(|x| x.0)), num(iv.map(|x| x.1))]);
    row
}

fn overview_table(t: &Tally) -> Vec<Vec<String>> {
    let mut rows = vec![cell_head(t, "actor", "kind")];
    for r in overview(t) {
        let mut row = vec![r.actor, r.kind, r.sentences.to_string()];
        row.extend(r.counts.iter().map(|c| c.to_string()));
        row.extend([
            num(r.index),
            num(r.interval.map(|x| x.0)),
            num(r.interval.map(|x| x.1)),
        ]);
        rows.push(row);
    }
    rows
}

/// The over-time table (with each period's first day) and the by-group table.
fn time_and_group_tables(t: &Tally) -> (Vec<Vec<String>>, Vec<Vec<String>>) {
    let mut over_time = vec![cell_head(t, "actor", "period")];
    over_time[0].insert(2, "period_start".into());
    let mut groups = vec![cell_head(t, "actor", "group")];
    for (name, a) in t.ranked() {
        for p in t.periods_of(a) {
            let mut row = cell_row(t, name, &p.label, &p.cell);
            let start = super::dates::Date::from_days(p.start).period(super::dates::Period::Day);
            row.insert(2, start);
            over_time.push(row);
        }
        groups.extend(a.groups.iter().map(|(k, c)| cell_row(t, name, k, c)));
    }
    (over_time, groups)
}

fn holder_table(t: &Tally) -> Vec<Vec<String>> {
    let mut rows = vec![cell_head(t, "holder", "actor")];
    for (name, a) in t.ranked() {
        rows.extend(
            a.holders
                .iter()
                .map(|(holder, c)| cell_row(t, holder, name, c)),
        );
    }
    rows
}

fn evidence_table(t: &Tally) -> Vec<Vec<String>> {
    let head = [
        "actor",
        "side",
        "rank",
        "stance_index",
        "doc",
        "sentence",
        "text",
    ];
    let mut rows = vec![head.map(String::from).to_vec()];
    for (name, a) in t.ranked() {
        for (side, list) in [("supportive", &a.supportive), ("critical", &a.critical)] {
            for (i, e) in list.iter().enumerate() {
                rows.push(vec![
                    name.clone(),
                    side.into(),
                    (i + 1).to_string(),
                    format!("{:.4}", e.index),
                    e.doc.clone(),
                    e.sentence.to_string(),
                    e.text.clone(),
                ]);
            }
        }
    }
    rows
}

/// The time the report is made, UTC (`2026-12-06 01:02 UTC`); `SOURCE_DATE_EPOCH` (seconds,
/// the reproducible-builds convention) fixes it, so that a report can be made byte for byte
/// again.
fn now_utc() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64)
        });
    let d = super::dates::Date::from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        d.year,
        d.month,
        d.day,
        s / 3600,
        s % 3600 / 60
    )
}
