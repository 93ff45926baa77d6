//! Results: rows of goal, measured value, in-run baseline and ratio; JSON and a table.

use crate::Env;
use anyhow::Context;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A goal: the measured value must stay at or under / at or over the bound.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Goal {
    AtMost(f64),
    AtLeast(f64),
}

impl Goal {
    fn met(&self, v: f64) -> bool {
        match *self {
            Goal::AtMost(b) => v <= b,
            Goal::AtLeast(b) => v >= b,
        }
    }

    fn show(&self) -> String {
        match *self {
            Goal::AtMost(b) => format!("<= {}", num(b)),
            Goal::AtLeast(b) => format!(">= {}", num(b)),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Row {
    pub metric: String,
    pub unit: String,
    pub measured: f64,
    pub goal: Option<Goal>,
    /// The same quantity measured in this run on the baseline named by `baseline_of`.
    pub baseline: Option<f64>,
    pub baseline_of: Option<String>,
    /// measured / baseline.
    pub ratio: Option<f64>,
    pub ratio_goal: Option<Goal>,
    pub met: Option<bool>,
}

impl Row {
    pub fn new(metric: &str, unit: &str, measured: f64) -> Self {
        Self {
            metric: metric.to_owned(),
            unit: unit.to_owned(),
            measured,
            goal: None,
            baseline: None,
            baseline_of: None,
            ratio: None,
            ratio_goal: None,
            met: None,
        }
    }

    pub fn goal(mut self, goal: Goal) -> Self {
        self.goal = Some(goal);
        self.judge()
    }

    pub fn baseline(mut self, of: &str, value: f64) -> Self {
        self.baseline = Some(value);
        self.baseline_of = Some(of.to_owned());
        self.ratio = (value > 0.0).then(|| self.measured / value);
        self.judge()
    }

    /// A goal on the ratio to the baseline rather than on the absolute figure.
    pub fn ratio_goal(mut self, goal: Goal) -> Self {
        self.ratio_goal = Some(goal);
        self.judge()
    }

    fn judge(mut self) -> Self {
        let absolute = self.goal.as_ref().map(|g| g.met(self.measured));
        let relative = match (&self.ratio_goal, self.ratio) {
            (Some(g), Some(r)) => Some(g.met(r)),
            (Some(_), None) => Some(false),
            _ => None,
        };
        self.met = match (absolute, relative) {
            (None, None) => None,
            (a, r) => Some(a.unwrap_or(true) && r.unwrap_or(true)),
        };
        self
    }
}

/// One scenario's outcome. `problems` are failures of the system, not missed goals: lost
/// messages, refused sockets, errors. Any problem fails the run (and `scripts/test`).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Outcome {
    pub scenario: String,
    pub rows: Vec<Row>,
    pub problems: Vec<String>,
    pub details: Value,
}

impl Outcome {
    pub fn new(scenario: &str) -> Self {
        Self {
            scenario: scenario.to_owned(),
            ..Self::default()
        }
    }
}

pub fn document(env: &Env, outcomes: &[Outcome]) -> Value {
    serde_json::json!({
        "smoke": env.smoke,
        "commit": std::env::var("BENCH_COMMIT").unwrap_or_default(),
        "machine": machine(),
        "taken_at_unix": crate::stats::now_ns() / 1_000_000_000,
        "scenarios": outcomes,
    })
}

fn machine() -> Value {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_default();
    let mem_kib = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .unwrap_or_default();
    serde_json::json!({
        "cpu": cpu,
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        "memory_gib": mem_kib / 1024 / 1024,
    })
}

/// Merges the scenario lists of several result files into the first one's document.
pub fn merge(files: &[String]) -> anyhow::Result<Value> {
    let mut merged: Option<Value> = None;
    for f in files {
        let doc: Value = serde_json::from_str(
            &std::fs::read_to_string(f).with_context(|| format!("reading {f}"))?,
        )?;
        match merged.as_mut() {
            None => merged = Some(doc),
            Some(m) => {
                let more = doc["scenarios"].as_array().cloned().unwrap_or_default();
                if let Some(list) = m["scenarios"].as_array_mut() {
                    list.extend(more);
                }
            }
        }
    }
    merged.context("no result files")
}

/// Prints the table, writes the JSON to `out` if given, and fails if a scenario had a problem.
pub fn finish(doc: &Value, out: Option<&str>) -> anyhow::Result<()> {
    print(doc);
    if let Some(out) = out {
        std::fs::write(out, serde_json::to_string_pretty(doc)?)
            .with_context(|| format!("writing {out}"))?;
    }
    if broken(doc) {
        anyhow::bail!("a scenario did not work (see the table)");
    }
    Ok(())
}

/// Whether any scenario reported a problem.
pub fn broken(doc: &Value) -> bool {
    outcomes(doc).iter().any(|o| !o.problems.is_empty())
}

fn outcomes(doc: &Value) -> Vec<Outcome> {
    serde_json::from_value(doc["scenarios"].clone()).unwrap_or_default()
}

fn num(v: f64) -> String {
    if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// The table, as markdown, on stdout.
#[expect(clippy::print_stdout, reason = "the table is the command's output")]
pub fn print(doc: &Value) {
    println!("| scenario | metric | goal | measured | baseline (in-run) | ratio | met |");
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    for o in outcomes(doc) {
        for r in &o.rows {
            let goal = match (&r.goal, &r.ratio_goal) {
                (Some(g), Some(rg)) => format!("{} {}, ratio {}", g.show(), r.unit, rg.show()),
                (Some(g), None) => format!("{} {}", g.show(), r.unit),
                (None, Some(rg)) => format!("ratio {}", rg.show()),
                (None, None) => String::new(),
            };
            let baseline = match (&r.baseline, &r.baseline_of) {
                (Some(b), Some(of)) => format!("{} ({of})", num(*b)),
                _ => String::new(),
            };
            let ratio = r.ratio.map(|x| format!("{x:.2}")).unwrap_or_default();
            let met = match r.met {
                Some(true) => "yes",
                Some(false) => "NO",
                None => "",
            };
            println!(
                "| {} | {} | {goal} | {} {} | {baseline} | {ratio} | {met} |",
                o.scenario,
                r.metric,
                num(r.measured),
                r.unit
            );
        }
        for p in &o.problems {
            println!("| {} | PROBLEM: {p} | | | | | |", o.scenario);
        }
    }
}
