//! Flags shared by several commands, and their conversion into the library's typed options.
use clap::Args;
use stance::commands::ModelChoice;
use stance::infer::InferOptions;
use stance::text::actors::Gazetteer;
use stance::DeviceSpec;
use std::path::PathBuf;

#[derive(Args, Clone)]
pub(crate) struct ModelArgs {
    /// Model directory, short name of a shipped model (mpnet-newsmtsc-v7, the default: test-rw
    /// F1m 84.4 in int8, ECE 0.029, 245 pairs/s on 2 cores with Intel AMX, 91 with AVX-512 VNNI;
    /// `fast` = minilm-distilled: F1m 80.9, 887 pairs/s, weaker on news unlike NewsMTSC's
    /// (dev-mt 77.0); BENCHMARKS.md;
    /// mpnet-newsmtsc-v6, mpnet-newsmtsc-v5, mpnet-newsmtsc-v4, mpnet-newsmtsc-v3, mpnet-newsmtsc-v2,
    /// mpnet-newsmtsc, minilm-newsmtsc), or Hugging Face hub id.
    #[arg(long, value_name = "DIR|ID")]
    pub(crate) model: Option<String>,
    /// Where to run: cpu, cuda or cuda:N (cuda needs a build with `--features cuda`).
    #[arg(long, default_value = "cpu", value_name = "DEVICE", value_parser = parse_device)]
    pub(crate) device: DeviceSpec,
    /// Compute in f16 on CUDA (ignored on CPU, where f32 is faster).
    #[arg(long)]
    pub(crate) half: bool,
    /// Arithmetic of the linear layers on CPU. int8 (weights per channel, activations per row;
    /// Intel AMX tiles or AVX-512 VNNI, or AVX2 with 7-bit weights) is 1.7-4× faster than f32 and scores
    /// within about 1 F1m of it on NewsMTSC (BENCHMARKS.md); on CPUs with neither it falls back
    /// to f32. f32 is the exact reference. Ignored on CUDA.
    #[arg(long, value_enum, ignore_case = true, default_value_t = stance::model::Precision::Int8)]
    pub(crate) precision: stance::model::Precision,
}

/// `--device`: parsed once into its type (any case: `CPU` is `cpu`).
pub(crate) fn parse_device(s: &str) -> Result<DeviceSpec, stance::Error> {
    s.parse()
}

impl From<&ModelArgs> for ModelChoice {
    fn from(a: &ModelArgs) -> Self {
        ModelChoice {
            model: a.model.clone(),
            device: a.device,
            half: a.half,
            precision: a.precision,
        }
    }
}

#[derive(Args, Clone)]
pub(crate) struct BatchArgs {
    /// Most padded tokens per batch (rows × longest row).
    #[arg(long, default_value_t = 2048, value_name = "TOKENS", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(16..=4194304))]
    pub(crate) token_budget: usize,
    /// Most rows per batch.
    #[arg(long, default_value_t = 64, value_name = "ROWS", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=65536))]
    pub(crate) max_batch: usize,
    /// Keep file order when batching instead of sorting by length (slower; for measurements).
    #[arg(long)]
    pub(crate) no_sort: bool,
    /// Batches run concurrently on CPU, each with single-threaded kernels (default: one per thread).
    /// 1 runs one batch at a time with multi-threaded matrix kernels instead.
    #[arg(long, value_name = "N", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1024))]
    pub(crate) parallel_batches: Option<usize>,
    /// Let pairs of different lengths share a batch (padded). By default a batch holds pairs of
    /// one length, so a pair's probabilities do not depend, even in the last digit, on what else
    /// is scored with it (shards, resumed and Spark runs equal one run).
    #[arg(long)]
    pub(crate) pad_batches: bool,
}

impl TryFrom<&BatchArgs> for InferOptions {
    type Error = anyhow::Error;

    fn try_from(a: &BatchArgs) -> anyhow::Result<Self> {
        anyhow::ensure!(a.token_budget >= 16, "--token-budget must be at least 16");
        anyhow::ensure!(a.max_batch >= 1, "--max-batch must be at least 1");
        // Unset: one batch per worker of the pool (`--threads`).
        let parallel = a.parallel_batches;
        anyhow::ensure!(parallel != Some(0), "--parallel-batches must be at least 1");
        Ok(Self {
            token_budget: a.token_budget,
            max_batch: a.max_batch,
            sort_by_length: !a.no_sort,
            parallel_batches: parallel,
            exact_lengths: !a.pad_batches,
        })
    }
}

#[derive(Args, Clone)]
pub(crate) struct GazetteerArgs {
    /// An actor gazetteer (TOML or JSON) added to the shipped international one (repeatable;
    /// an actor of the same name gets the file's aliases, kind and affiliation).
    #[arg(long, value_name = "FILE")]
    pub(crate) actors: Vec<PathBuf>,
    /// Use only the --actors files and --actor flags, not the shipped gazetteer.
    #[arg(long)]
    pub(crate) no_default_actors: bool,
    /// Add an actor: NAME, or NAME=ALIAS1,ALIAS2, optionally followed by ;kind=KIND (country,
    /// person, organisation, group, bloc, region, actor: `person` makes family-name references
    /// work) and ;affiliation=NAME (repeatable).
    #[arg(long = "actor", value_name = "NAME[=ALIASES][;kind=KIND]")]
    pub(crate) extra_actors: Vec<String>,
}

impl GazetteerArgs {
    /// The gazetteer: the shipped international one (unless --no-default-actors), the files
    /// given, then the --actor flags.
    pub(crate) fn load(&self) -> anyhow::Result<Gazetteer> {
        let mut gaz = if self.no_default_actors {
            Gazetteer::new(Vec::new(), std::path::Path::new("--no-default-actors"))?
        } else {
            Gazetteer::default_international()?
        };
        for p in &self.actors {
            gaz = gaz.merged(Gazetteer::from_file(p)?, p)?;
        }
        Ok(gaz.with_extra(&self.extra_actors)?)
    }
}

/// The articles to read and the actors to look for in them (`score`, `mentions`, `pairs`).
#[derive(Args, Clone)]
pub(crate) struct ArticleArgs {
    /// Plain-text articles (.txt/.md, one article per file), folders of them (recursive), archives (JSONL with {id, text, …} per line, CSV/TSV with a header row, Parquet; JSONL and CSV also .gz or .zst), or - for standard input.
    #[arg(required = true, value_name = "INPUT")]
    pub(crate) inputs: Vec<String>,
    #[command(flatten)]
    pub(crate) fields: FieldArgs,
    #[command(flatten)]
    pub(crate) actors: GazetteerArgs,
}

impl ArticleArgs {
    /// Where the articles are and which fields hold their text and id.
    pub(crate) fn source(&self) -> (Vec<String>, stance::io::articles::InputFields) {
        (self.inputs.clone(), self.fields.fields())
    }
}

/// Which fields of archive records hold an article's text and id.
#[derive(Args, Clone, Debug)]
pub(crate) struct FieldArgs {
    /// The field of a JSONL record (column of a CSV/TSV archive) that holds the article's text.
    #[arg(long, value_name = "FIELD", default_value = "text")]
    pub(crate) text_field: String,
    /// The field (column) that holds the article's id; without one, a record's id is its file
    /// and line.
    #[arg(long, value_name = "FIELD", default_value = "id")]
    pub(crate) id_field: String,
}

impl FieldArgs {
    pub(crate) fn fields(&self) -> stance::io::articles::InputFields {
        stance::io::articles::InputFields {
            text: self.text_field.clone(),
            id: self.id_field.clone(),
        }
    }
}

/// What to look for beyond the gazetteer's names.
#[derive(Args, Clone, Debug, Default)]
pub(crate) struct MentionArgs {
    /// Also take a demonym before a noun for the state or its agents as a reference to the
    /// country (`Chinese officials`, `the Ukrainian government`, `Russian forces`).
    #[arg(long)]
    pub(crate) demonyms: bool,
    /// Find people and organisations the gazetteer does not have (names introduced by a title
    /// or role, a reporting verb, or an organisation noun): `list` reports them (summary,
    /// statistics) and lets them hold stances; `score` also scores them as actors. `--discover`
    /// alone is `list`; it takes the next word as its value, so before an input write
    /// `--discover=list` (or put the inputs first).
    #[arg(long, value_enum, ignore_case = true, num_args = 0..=1, default_missing_value = "list", value_name = "list|score")]
    pub(crate) discover: Option<stance::text::document::Discover>,
}

impl From<&MentionArgs> for stance::text::document::MentionOptions {
    fn from(a: &MentionArgs) -> Self {
        Self {
            demonyms: a.demonyms,
            discover: a.discover.unwrap_or_default(),
        }
    }
}
