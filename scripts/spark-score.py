#!/usr/bin/env python3
"""Score news archives (JSONL, CSV or Parquet) with `stance` as an Apache Spark job.

Each partition of the input lines is piped through one `stance score -` process on an executor
(the binary and the model folder are shipped to the executors as one archive); the output lines
are written with Spark's file output commit protocol (`saveAsTextFile`), so a failed, retried or
speculative task never doubles or loses a line.

    python3 scripts/spark-score.py --input archive/ --output scores/ [--model default|fast|FOLDER]
        [--format jsonl|csv|parquet] [--binary target/release/stance] [--partitions N] [--threads N]
        [--master local[2]]

On a cluster, the same script with spark-submit (see README, "Scoring on a cluster"). Input: any path
or glob Spark reads (local folders, hdfs://, s3a:// through the cluster's configuration): JSONL (one
JSON object per line with `text` and preferably `id`), or with `--format csv` / `--format parquet`
tables read by Spark's own readers (CSV: a header row, quoted multi-line fields), each row turned
into one JSON object (`DataFrame.toJSON`: dates and timestamps as ISO 8601 text) and scored as a
JSONL line is. Ids must be unique across the archive: a record without one is named by its
partition and line, which is not stable across runs. `--stance-arg=--text-field=body` and the like
name other columns. Output: a folder
of `part-*` JSONL files in the score output schema, plus `_SUCCESS`.

Why `mapPartitions` with a subprocess rather than `RDD.pipe`: the process's standard error carries
the counts (`--stats-json`) and the reasons of skips and failures; `pipe` drops it, and with it the
final report and a useful error message when a task fails. (A JVM-side pipe, Spark SQL's script
transformation, was measured too: slower here, see BENCHMARKS.md.)
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time

BUNDLE = "stance-bundle"
# The shipped models' short names, as `stance score --model` reads them (src/store/shipped.rs; a
# test keeps the two in step): without --model the job scores with the default, as `score` does.
SHIPPED_NAMES = {"default": "mpnet-newsmtsc-v7", "fast": "minilm-distilled"}


def parse_args(argv):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--input", action="append", required=True, help="archive path or glob (repeatable)")
    p.add_argument("--output", required=True, help="output folder (must not exist)")
    p.add_argument("--model", default="default",
                   help="model folder, or a shipped model's name under models/ (default: `default`, the model "
                        "`stance score` uses without --model; `fast` for the fast one)")
    p.add_argument("--binary", default=os.path.join(root, "target", "release", "stance"), help="stance binary for the executors' platform")
    p.add_argument("--partitions", type=int, default=None, help="input partitions (default: Spark's)")
    p.add_argument("--threads", type=int, default=None, help="threads per stance process (default: spark.executor.cores, else 1)")
    p.add_argument("--precision", choices=["int8", "f32"], default="int8")
    p.add_argument("--format", choices=["jsonl", "csv", "parquet"], default="jsonl", help="input format (default: jsonl)")
    p.add_argument("--master", default=None, help="Spark master when not run by spark-submit, e.g. local[2]")
    p.add_argument("--stance-arg", action="append", default=[], help="extra argument for `stance score` (repeatable)")
    a = p.parse_args(argv)
    a.model = model_folder(a.model, root)
    return a


def model_folder(model, root):
    """A folder as given; a shipped model's short or full name as its folder under models/."""
    if os.path.isdir(model) or os.sep in model:
        return model
    return os.path.join(root, "models", SHIPPED_NAMES.get(model, model))


def make_bundle(binary, model, workdir):
    """A tar.gz with `stance` (without its debug information, when `strip` is there) and `models/NAME/`,
    shipped to every executor once. Stored without compression (gzip level 0): compressing took
    longer than scoring a small archive and saves little on the weights; a plain .tar would do, but
    Spark unpacks those without the executable bit."""
    if not os.access(binary, os.X_OK):
        sys.exit(f"error: {binary} is not an executable stance binary (cargo build --release)")
    if not os.path.isfile(os.path.join(model, "stance.json")):
        sys.exit(f"error: {model} is not a stance model folder (no stance.json)")
    shipped = os.path.join(workdir, "stance")
    if subprocess.run(["strip", "--strip-debug", "-o", shipped, binary], capture_output=True).returncode != 0:
        shutil.copy2(binary, shipped)
    path = os.path.join(workdir, BUNDLE + ".tar.gz")
    with tarfile.open(path, "w:gz", compresslevel=0) as tar:
        tar.add(shipped, arcname="stance")
        # Under its own folder name: every output line names the model by it (NAME@HASH), so the
        # job's lines equal a local run's.
        tar.add(model, arcname=os.path.join("models", model_name(model)))
    return path


def model_name(model):
    return os.path.basename(os.path.normpath(model))


def score_partition(threads, precision, extra, name):
    """The function each task runs: its lines through one stance process."""

    def run(index, lines):
        from pyspark import SparkFiles

        home = SparkFiles.get(BUNDLE)
        cmd = [os.path.join(home, "stance"), "--threads", str(threads), "score", "-",
               "--model", os.path.join(home, "models", name), "--precision", precision, "--stats-json"] + extra
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        err = []

        def feed():
            try:
                for line in lines:
                    if line.strip():
                        proc.stdin.write(line.encode("utf-8") + b"\n")
            except BrokenPipeError:
                pass  # the process failed: its status says why
            finally:
                try:
                    proc.stdin.close()
                except BrokenPipeError:
                    pass

        def drain():
            for e in proc.stderr:
                err.append(e.decode("utf-8", "replace").rstrip("\n"))

        writer = threading.Thread(target=feed, daemon=True)
        reader = threading.Thread(target=drain, daemon=True)
        writer.start()
        reader.start()
        for out in proc.stdout:
            yield ("line", out.decode("utf-8").rstrip("\n"))
        code = proc.wait()
        writer.join()
        reader.join()
        if code != 0:
            raise RuntimeError(f"stance failed on partition {index} (exit {code}): " + " | ".join(err[-10:]))
        stats = [json.loads(e)["stance_stats"] for e in err if e.startswith('{"stance_stats"')]
        yield ("stats", json.dumps(stats[-1] if stats else {}))

    return run


def input_lines(sc, a):
    """The archive as an RDD of JSON lines: JSONL as text; CSV and Parquet through Spark's readers,
    one JSON object per row."""
    if a.format == "jsonl":
        if a.partitions:
            return sc.textFile(",".join(a.input), minPartitions=a.partitions)
        return sc.textFile(",".join(a.input))
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.getOrCreate()
    if a.format == "csv":
        # Every column as text (no type inference), quoted fields may span lines.
        df = spark.read.csv(a.input, header=True, multiLine=True, escape='"', inferSchema=False)
    else:
        df = spark.read.parquet(*a.input)
    rows = df.toJSON()
    return rows.repartition(a.partitions) if a.partitions else rows


def score_archive(sc, a, threads):
    """The lines of every partition through stance; the output saved; the counts of each process."""
    from pyspark import StorageLevel

    lines = input_lines(sc, a)
    tagged = lines.mapPartitionsWithIndex(score_partition(threads, a.precision, a.stance_arg, model_name(a.model)))
    tagged.persist(StorageLevel.MEMORY_AND_DISK)
    tagged.filter(lambda t: t[0] == "line").map(lambda t: t[1]).saveAsTextFile(a.output)
    stats = [json.loads(s) for s in tagged.filter(lambda t: t[0] == "stats").map(lambda t: t[1]).collect()]
    return stats, tagged.getNumPartitions()


def main(argv):
    a = parse_args(argv)
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("stance-score")
    if a.master:
        builder = builder.master(a.master)
    spark = builder.getOrCreate()
    sc = spark.sparkContext
    threads = a.threads or int(sc.getConf().get("spark.executor.cores", "1"))
    workdir = tempfile.mkdtemp(prefix="stance-spark-")
    started = time.time()
    try:
        sc.addArchive(make_bundle(a.binary, a.model, workdir) + "#" + BUNDLE)
        stats, partitions = score_archive(sc, a, threads)
        total = {k: sum(s.get(k, 0) for s in stats) for k in ("documents", "sentences", "sentences_with_actors", "pairs", "pairs_failed")}
        skips = sum(1 for s in stats for p in s.get("problems", []) if p.get("skipped"))
        print(f"{total['documents']} documents, {total['sentences']} sentences ({total['sentences_with_actors']} with actors), "
              f"{total['pairs']} pairs, {skips} skipped, {total['pairs_failed']} pairs failed, "
              f"{partitions} partitions; output in {a.output}")
        seconds = time.time() - started
        print(json.dumps({"stance_spark": {**total, "skipped": skips, "partitions": partitions, "job_seconds": seconds}}))
        return 1 if total["pairs_failed"] else 0
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        spark.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
