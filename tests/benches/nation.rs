//! England's year at national scale (issue 17): 160,000 requests across 153 authorities,
//! each taken through its whole journey with the core workflow commands, on PostgreSQL,
//! by 1, 2 and 4 server processes on this machine. The aim is the whole year in under
//! 10 minutes with fsync on; the report says how it scales and where the time goes.
//!
//! The journeys are the year benchmark's (`benches/year.rs`), from
//! `sendpanel_tests::synthetic`: logged, advised on by Torbay's plugin in its sandbox,
//! decided, and as far on as each goes (next steps, advice, issue, plan, first review).
//! The 153 authorities are illustrative, not England's councils or their figures: codes
//! `authority-001` to `authority-153`, LA numbers 600 to 752 (not the DfE's), and each
//! set up as the year benchmark sets up Torbay (the authority, a chair and a caseworker,
//! Torbay's plugin in force from 1 September 2023; see `Authority::set_up` for how the
//! plugin is stored for authorities it does not name). Requests are dealt round-robin:
//! request `r` is authority `r % 153`'s journey `r / 153`, so every authority has 1,045
//! or 1,046 of the 160,000 and its year has the year benchmark's shape. Real
//! authorities differ by two orders of magnitude; equal shares keep the processes'
//! loads equal, so the figures compare process counts rather than an uneven split.
//!
//! A server process is stood for by a worker: this binary started again
//! (`std::env::current_exe()`) with its share of the authorities (authority `i` goes to
//! worker `i % N`), the database URL and the number of requests in environment
//! variables. Each worker opens its own `Database` (its own pool of [`THREADS`]
//! connections) and its own plugin catalogue, loads the plugin, says it is ready, and
//! waits; once all are ready the parent tells them to go, so no figure includes
//! starting a process or compiling the plugin. A worker runs its journeys on [`THREADS`]
//! threads and prints one line of JSON: what it ran, every command's time, its CPU time
//! and its peak RSS. For each N the parent starts from a fresh database set up the same
//! way (the journeys are the same for every N: checked) and reports:
//! - requests and commands run; a command is one workflow call (the plugin advice is
//!   one too); the documents each request arrives with are uploaded untimed, as in the
//!   year benchmark, but within the wall time;
//! - wall seconds, from the first worker's start to the last one's end, and commands/s;
//! - the median and p99 (nearest rank, over every command of every worker) of one
//!   command's time, an `Instant` around each call, so it includes waiting for a pooled
//!   connection and for PostgreSQL's row locks and commits;
//! - where the machine's CPU time went during the run, from `/proc/stat`: busy (all
//!   cores, PostgreSQL and anything else running included), waiting for the disk
//!   (iowait: commits waiting for fsync), and the workers' own share; busy minus the
//!   workers' share is mostly PostgreSQL. Busy near 100% means the cores are the limit;
//!   high iowait means the disk is; neither means waiting (locks, round trips);
//! - each worker's peak RSS (`VmHWM`), read when its journeys ended. Every authority
//!   runs the same plugin bytes, so a worker compiles and holds one plugin; with each
//!   authority's own plugin a server would hold up to 153, so this is a floor for that.
//!
//! `cargo bench -p sendpanel-tests --bench nation` (`-- --quick` for 4,000 requests;
//! `NATION_REQUESTS=n` for any other number; `NATION_PROCESSES=2` or `1,2,4,8` for other
//! process counts). PostgreSQL comes from `TEST_POSTGRES_URL`
//! as for the tests, with the server's own fsync setting (on by default), which the
//! report prints. The machine should be otherwise idle: its CPU figures count
//! everything running.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{BufRead, BufReader, Lines, Write};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use diesel::{Connection, RunQueryDsl, pg::PgConnection};
use sendpanel_core::policy::{Limits, PluginCatalogue, PolicyHost};
use sendpanel_core::store::{Database, DatabaseUrl, PoolOptions};
use sendpanel_tests::plugins::graduated_response_facts;
use sendpanel_tests::synthetic::{
    Authority, CHILDREN, Journeys, Plugins, Replay, journey, load_in_force, peak_rss_kb, percentile,
};
use sendpanel_tests::{DEFAULT_TEST_POSTGRES_URL, TestDb};
use serde::{Deserialize, Serialize};

/// England's year of requests for an EHC needs assessment, as issue 17 puts it.
const ENGLAND: u32 = 160_000;

/// England's local authorities (the SEND duties are theirs), as issue 17 counts them.
const AUTHORITIES: u16 = 153;

/// The process counts compared, unless `NATION_PROCESSES` names others (e.g. `2` for
/// one whole-year run of two servers, or `1,2,4,8`).
const PROCESSES: [u16; 3] = [1, 2, 4];

/// The variable that picks other process counts.
const PROCESS_COUNTS: &str = "NATION_PROCESSES";

/// Threads per worker process, and connections in its pool: a server handles requests
/// on a few threads at once over a pool of that size (the test pool has 4), so each
/// worker does too. More workers therefore means more work in flight (4, 8 and 16
/// journeys at once), as more server processes would. Journey `serial` of every
/// authority goes to thread `serial % THREADS`, so each child's journeys (`serial %
/// CHILDREN`) are on one thread, in order, because THREADS divides CHILDREN.
const THREADS: u16 = 4;
const _: () = assert!(CHILDREN.is_multiple_of(THREADS));

/// The aim for England's year.
const AIM_SECS: f64 = 600.0;

/// Environment variables a worker is started with. [`WORKER`] is its number, and its
/// presence is what makes this binary a worker.
const WORKER: &str = "NATION_WORKER";
/// The database, set up by the parent.
const DATABASE_URL: &str = "NATION_DATABASE_URL";
/// The worker's authorities, by index (0 to 152), comma-separated.
const SHARE: &str = "NATION_AUTHORITIES";
/// The requests across all authorities (also how a user sets the scale).
const REQUESTS: &str = "NATION_REQUESTS";

/// What a worker prints when set up, and what the parent answers to start it.
const READY: &str = "ready";
const GO: &str = "go";

/// Authority `index`'s code: illustrative, no council's.
fn code(index: u16) -> String {
    format!("authority-{:03}", index + 1)
}

/// Authority `index`'s LA number: illustrative, not the DfE's numbering.
fn la_number(index: u16) -> u16 {
    600 + index
}

/// How many of `requests` are authority `index`'s: request `r` is authority `r % 153`'s
/// journey `r / 153`, so its journeys are serials `0..` this.
fn requests_of(requests: u32, index: u16) -> u16 {
    let authorities = u32::from(AUTHORITIES);
    let mine = requests / authorities + u32::from(u32::from(index) < requests % authorities);
    u16::try_from(mine).unwrap_or_else(|_| {
        panic!("{requests} requests is over 65,535 an authority (journey serials are u16)")
    })
}

/// One worker's figures, sent to the parent as one line of JSON.
#[derive(Serialize, Deserialize)]
struct Figures {
    /// Requests taken through their journeys.
    requests: u32,
    /// How they ended.
    journeys: Journeys,
    /// Every command's time in microseconds, in no particular order.
    micros: Vec<u32>,
    /// When its journeys started and ended, in microseconds since the Unix epoch: the
    /// workers' clocks are the machine's, so the parent can take the earliest start
    /// and the latest end.
    started_us: u64,
    finished_us: u64,
    /// CPU time the worker used (all threads, user and system) while its journeys ran,
    /// in clock ticks as `/proc` counts them.
    cpu_ticks: Option<u64>,
    /// Its peak resident set in kB when its journeys ended.
    peak_rss_kb: Option<u64>,
}

fn unix_micros() -> u64 {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    u64::try_from(since.as_micros()).unwrap()
}

/// The process's CPU time so far (all threads, user and system), in clock ticks, from
/// `/proc/self/stat` where Linux has it.
fn cpu_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // After the command name (in brackets, and it may hold spaces) come fields 3 on;
    // utime and stime are fields 14 and 15 (proc(5)).
    let (_, rest) = stat.rsplit_once(')')?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// The machine's CPU time so far, all cores, in clock ticks (`/proc/stat`'s first line).
#[derive(Clone, Copy)]
struct MachineCpu {
    total: u64,
    idle: u64,
    iowait: u64,
}

fn machine_cpu() -> Option<MachineCpu> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let ticks: Vec<u64> = stat
        .lines()
        .next()?
        .strip_prefix("cpu ")?
        .split_whitespace()
        .map(|t| t.parse().ok())
        .collect::<Option<_>>()?;
    // user, nice, system, idle, iowait, irq, softirq, steal; guest time is counted in
    // user and nice already.
    Some(MachineCpu {
        total: ticks.iter().take(8).sum(),
        idle: *ticks.get(3)?,
        iowait: *ticks.get(4)?,
    })
}

/// Where the machine's CPU time went during a run, in per cent of all cores' time.
struct CpuUse {
    busy: f64,
    iowait: f64,
    workers: Option<f64>,
}

fn cpu_use(
    before: Option<MachineCpu>,
    after: Option<MachineCpu>,
    workers: Option<u64>,
) -> Option<CpuUse> {
    let (before, after) = (before?, after?);
    let total = after.total.saturating_sub(before.total).max(1) as f64;
    // iowait can step back on some kernels: never below zero.
    let idle = after.idle.saturating_sub(before.idle) as f64;
    let iowait = after.iowait.saturating_sub(before.iowait) as f64;
    Some(CpuUse {
        busy: (100.0 * (total - idle - iowait) / total).max(0.0),
        iowait: 100.0 * iowait / total,
        workers: workers.map(|ticks| 100.0 * ticks as f64 / total),
    })
}

/// Writes one line for the parent and flushes it at once: the parent is waiting on it.
fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").unwrap();
    out.flush().unwrap();
}

fn from_env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("a worker is started with {name} set"))
}

/// Thread `thread`'s journeys of a worker's `authorities` (each with its number of
/// requests), of which the most any has is `most`: journey `serial` of every authority
/// for each `serial` on this thread in turn, so all the authorities' years run at once.
/// Returns how they ended and each command's time in microseconds, kept as 4 bytes a
/// command rather than a `Duration`'s 16 because they count in the RSS reported.
fn thread_journeys(
    replay: &Replay,
    authorities: &[(Authority, u16)],
    thread: u16,
    most: u16,
) -> (Journeys, Vec<u32>) {
    let mut journeys = Journeys::default();
    let mut micros: Vec<u32> = Vec::new();
    for serial in (thread..most).step_by(usize::from(THREADS)) {
        for (authority, count) in authorities {
            if serial < *count {
                let tally = journey(replay, authority, serial);
                journeys += tally.journeys;
                micros.extend(
                    tally
                        .times
                        .iter()
                        .map(|t| u32::try_from(t.as_micros()).unwrap_or(u32::MAX)),
                );
            }
        }
    }
    (journeys, micros)
}

/// A worker: sets up, says it is ready, waits for the go, runs its authorities'
/// journeys and prints its figures.
fn work(worker: &str) {
    let requests: u32 = from_env(REQUESTS).parse().unwrap();
    let share: Vec<u16> = from_env(SHARE)
        .split(',')
        .map(|index| index.parse().unwrap())
        .collect();
    let db = Database::open(
        DatabaseUrl::parse(&from_env(DATABASE_URL)).unwrap(),
        PoolOptions {
            max_connections: u32::from(THREADS),
            ..PoolOptions::default()
        },
    )
    .unwrap();
    let authorities: Vec<(Authority, u16)> = share
        .iter()
        .map(|&index| {
            (
                Authority::open(&db, &code(index), la_number(index)),
                requests_of(requests, index),
            )
        })
        .collect();
    // One catalogue for the process, as a server has: every authority's plugin has the
    // same hash, so this loads (compiles) it once, before the go.
    let catalogue = PluginCatalogue::new(PolicyHost::new(Limits::default(), None).unwrap());
    let plugin = load_in_force(&db, &catalogue, &authorities[0].0);
    let replay = Replay::new(db, catalogue, graduated_response_facts(&plugin));
    let most = authorities.iter().map(|(_, n)| *n).max().unwrap_or(0);

    say(READY);
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).unwrap();
    assert_eq!(line.trim(), GO, "worker {worker}: no go from the parent");

    let started_us = unix_micros();
    let cpu_before = cpu_ticks();
    let ran: Vec<(Journeys, Vec<u32>)> = std::thread::scope(|s| {
        let threads: Vec<_> = (0..THREADS)
            .map(|thread| {
                let (replay, authorities) = (&replay, &authorities);
                s.spawn(move || thread_journeys(replay, authorities, thread, most))
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    let finished_us = unix_micros();
    let cpu_ticks = cpu_ticks()
        .zip(cpu_before)
        .map(|(after, before)| after.saturating_sub(before));
    // Read before the figures are gathered and written out, which would add their own.
    let peak_rss_kb = peak_rss_kb();
    let mut figures = Figures {
        requests: share
            .iter()
            .map(|&index| u32::from(requests_of(requests, index)))
            .sum(),
        journeys: Journeys::default(),
        micros: Vec::with_capacity(ran.iter().map(|(_, micros)| micros.len()).sum()),
        started_us,
        finished_us,
        cpu_ticks,
        peak_rss_kb,
    };
    for (journeys, micros) in ran {
        figures.journeys += journeys;
        figures.micros.extend(micros);
    }
    say(&serde_json::to_string(&figures).unwrap());
}

/// One run's workers, killed if the run fails part-way so that none outlives it.
struct Workers(Vec<Child>);

impl Drop for Workers {
    fn drop(&mut self) {
        for child in &mut self.0 {
            // Nothing to do for a worker already waited for.
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The next line from `worker` that `wanted` accepts (a worker prints nothing else,
/// but a library it links might), or a panic if the worker ends first.
fn next_line(
    lines: &mut Lines<BufReader<ChildStdout>>,
    worker: usize,
    wanted: impl Fn(&str) -> bool,
) -> String {
    for line in lines {
        let line = line.unwrap();
        if wanted(&line) {
            return line;
        }
    }
    panic!("worker {worker} ended early (its error is above)");
}

/// One replay of England's year: what it did and how long it took.
struct Run {
    processes: u16,
    requests: u32,
    commands: usize,
    wall_secs: f64,
    median_us: u32,
    p99_us: u32,
    cpu: Option<CpuUse>,
    rss_kb: Vec<Option<u64>>,
    journeys: Journeys,
}

/// Replays `requests` journeys on a fresh database (set up here) with `processes`
/// workers.
fn nation(plugins: &Plugins, requests: u32, processes: u16) -> Run {
    // A fresh database for each process count: a second replay would find the first's
    // children and cases otherwise.
    let test_db = TestDb::postgres().unwrap();
    for index in 0..AUTHORITIES {
        Authority::set_up(&test_db.db, plugins, &code(index), la_number(index));
    }
    // Each request's documents go to a store of their own under the temporary folder
    // (see `sendpanel_tests::cited`): this run's go to one folder, removed after it,
    // rather than leaving hundreds of thousands behind.
    let documents = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let url = test_db.url();
    let mut workers = Workers(Vec::new());
    for worker in 0..processes {
        let share: Vec<String> = (0..AUTHORITIES)
            .filter(|index| index % processes == worker)
            .map(|index| index.to_string())
            .collect();
        let child = Command::new(exe.as_path())
            .env(WORKER, worker.to_string())
            .env(DATABASE_URL, url.as_str())
            .env(REQUESTS, requests.to_string())
            .env(SHARE, share.join(","))
            .env("TMPDIR", documents.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        workers.0.push(child);
    }
    let mut outputs: Vec<Lines<BufReader<ChildStdout>>> = workers
        .0
        .iter_mut()
        .map(|child| BufReader::new(child.stdout.take().unwrap()).lines())
        .collect();
    for (worker, lines) in outputs.iter_mut().enumerate() {
        next_line(lines, worker, |line| line == READY);
    }
    let machine_before = machine_cpu();
    for child in &mut workers.0 {
        // Closed at the end of each turn, once the go is written.
        let mut stdin = child.stdin.take().unwrap();
        writeln!(stdin, "{GO}").unwrap();
    }
    let figures: Vec<Figures> = outputs
        .iter_mut()
        .enumerate()
        .map(|(worker, lines)| {
            let line = next_line(lines, worker, |line| line.starts_with('{'));
            serde_json::from_str(&line).unwrap()
        })
        .collect();
    let machine_after = machine_cpu();
    for (worker, child) in workers.0.iter_mut().enumerate() {
        let status = child.wait().unwrap();
        assert!(status.success(), "worker {worker} ended with {status}");
    }
    drop(workers);
    drop(test_db);
    drop(documents);

    assert_eq!(
        figures.iter().map(|f| f.requests).sum::<u32>(),
        requests,
        "every request is some worker's"
    );
    let started = figures.iter().map(|f| f.started_us).min().unwrap();
    let finished = figures.iter().map(|f| f.finished_us).max().unwrap();
    let workers_cpu: Option<u64> = figures.iter().map(|f| f.cpu_ticks).sum();
    let mut journeys = Journeys::default();
    let mut micros: Vec<u32> = Vec::new();
    for f in &figures {
        journeys += f.journeys;
        micros.extend_from_slice(&f.micros);
    }
    micros.sort_unstable();
    Run {
        processes,
        requests,
        commands: micros.len(),
        wall_secs: finished.saturating_sub(started) as f64 / 1e6,
        median_us: percentile(&micros, 50),
        p99_us: percentile(&micros, 99),
        cpu: cpu_use(machine_before, machine_after, workers_cpu),
        rss_kb: figures.iter().map(|f| f.peak_rss_kb).collect(),
        journeys,
    }
}

/// The server settings that decide whether a commit waits for the disk, as this
/// session sees them: the aim is with both on, the server's defaults.
fn durability() -> String {
    #[derive(diesel::QueryableByName)]
    struct Setting {
        #[diesel(sql_type = diesel::sql_types::Text)]
        setting: String,
    }
    let url =
        std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_TEST_POSTGRES_URL.to_owned());
    let mut conn = PgConnection::establish(&url).unwrap_or_else(|e| {
        panic!(
            "the national benchmark runs on PostgreSQL: cannot connect to {url} ({e}). Start \
             PostgreSQL or set TEST_POSTGRES_URL; `bash .ci/run` does both."
        )
    });
    let mut show = |name: &str| {
        diesel::sql_query(format!("SELECT current_setting('{name}') AS setting"))
            .get_result::<Setting>(&mut conn)
            .unwrap()
            .setting
    };
    let fsync = show("fsync");
    let synchronous_commit = show("synchronous_commit");
    format!("fsync {fsync}, synchronous_commit {synchronous_commit}")
}

fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.0}"))
}

fn report(run: &Run) {
    let rss: Vec<String> = run
        .rss_kb
        .iter()
        .map(|kb| {
            kb.map_or_else(
                || "n/a".to_owned(),
                |kb| format!("{:.0}", kb as f64 / 1024.0),
            )
        })
        .collect();
    println!(
        "{:>9} {:>8} {:>9} {:>8.1} {:>11.1} {:>10.2} {:>9.2} {:>6} {:>8} {:>9}  {}",
        run.processes,
        run.requests,
        run.commands,
        run.wall_secs,
        run.commands as f64 / run.wall_secs,
        f64::from(run.median_us) / 1e3,
        f64::from(run.p99_us) / 1e3,
        percent(run.cpu.as_ref().map(|c| c.busy)),
        percent(run.cpu.as_ref().map(|c| c.iowait)),
        percent(run.cpu.as_ref().and_then(|c| c.workers)),
        rss.join(" "),
    );
}

fn main() {
    if let Ok(worker) = std::env::var(WORKER) {
        work(&worker);
        return;
    }
    let quick = std::env::args().any(|a| a == "--quick");
    let requests: u32 = match std::env::var(REQUESTS) {
        Ok(n) => n
            .parse()
            .unwrap_or_else(|e| panic!("{REQUESTS}={n} is not a number of requests: {e}")),
        Err(_) if quick => 4_000,
        Err(_) => ENGLAND,
    };
    assert!(requests > 0, "{REQUESTS} must be at least 1");
    // Refuses too many per authority now, rather than in every worker after set-up.
    requests_of(requests, 0);
    println!(
        "England's year: {requests} requests across {AUTHORITIES} authorities (illustrative), \
         with their full journeys, plugin advice included"
    );
    println!(
        "PostgreSQL ({}); each process {THREADS} threads and a pool of {THREADS} connections",
        durability()
    );
    println!(
        "{:>9} {:>8} {:>9} {:>8} {:>11} {:>10} {:>9} {:>6} {:>8} {:>9}  peak RSS MiB per process",
        "processes",
        "requests",
        "commands",
        "wall s",
        "commands/s",
        "median ms",
        "p99 ms",
        "busy %",
        "iowait %",
        "workers %",
    );
    let process_counts: Vec<u16> = match std::env::var(PROCESS_COUNTS) {
        Ok(list) => list
            .split(',')
            .map(|n| match n.trim().parse::<u16>() {
                Ok(count) if count > 0 => count,
                _ => panic!(
                    "{PROCESS_COUNTS}={list}: `{n}` is not a number of processes (1 or more)"
                ),
            })
            .collect(),
        Err(_) => PROCESSES.to_vec(),
    };
    let plugins = Plugins::torbay();
    let mut runs: Vec<Run> = Vec::new();
    for processes in process_counts {
        let run = nation(&plugins, requests, processes);
        report(&run);
        runs.push(run);
    }
    // The same journeys for every process count, or the figures would not compare.
    let first = &runs[0];
    for run in &runs[1..] {
        assert_eq!(first.journeys, run.journeys);
        assert_eq!(first.commands, run.commands);
    }
    println!(
        "Commands timed one by one (median and p99 by nearest rank over every process); a \
         command's time includes queueing for its process's pool and PostgreSQL's locks and \
         commits"
    );
    println!(
        "busy % and iowait % are the whole machine's ({} cores, PostgreSQL and anything else \
         running included) from the go to the last figures; workers % is the worker processes' \
         own CPU in that time, so busy minus workers is mostly PostgreSQL",
        std::thread::available_parallelism().map_or(0, usize::from)
    );
    println!(
        "Peak RSS is each worker's high-water mark (VmHWM) when its journeys ended: its pool, \
         the compiled plugin and 4 bytes a command for these figures"
    );
    let rate = |run: &Run| run.commands as f64 / run.wall_secs;
    let scaling: Vec<String> = runs[1..]
        .iter()
        .map(|run| {
            format!(
                "{} processes x{:.2}",
                run.processes,
                rate(run) / rate(first)
            )
        })
        .collect();
    println!(
        "Scaling: commands/s against {} process: {}",
        first.processes,
        scaling.join(", ")
    );
    let best = runs
        .iter()
        .min_by(|a, b| a.wall_secs.total_cmp(&b.wall_secs))
        .unwrap();
    if requests == ENGLAND {
        println!(
            "Aim: England's year in under {AIM_SECS:.0} s: {} (fastest {:.0} s, with {} processes)",
            if best.wall_secs < AIM_SECS {
                "met"
            } else {
                "not met"
            },
            best.wall_secs,
            best.processes
        );
    } else {
        println!(
            "Aim not judged: {requests} requests, not England's {ENGLAND} (fastest {:.0} s, with \
             {} processes)",
            best.wall_secs, best.processes
        );
    }
    let j = first.journeys;
    println!(
        "Journeys: {} refused ({} moved to assessment by the next-steps meeting), {} assessed, \
         {} not to issue, {} final plans, {} first annual reviews decided ({} amended, {} ceased)",
        j.refused,
        j.moved_to_assessment,
        j.assessed,
        j.not_to_issue,
        j.plans,
        j.reviews,
        j.amended,
        j.ceased
    );
}
