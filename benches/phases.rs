//! Where the start-up time of one diagnosis goes: loading the knowledge base, building the
//! reader's automata, reading the seed text, diagnosing it. Prints each phase in ms (best of
//! 20); the whole-process comparison with `portsleuth --version` is `benches/startup.sh`.

use portsleuth::engine::diagnose::diagnose;
use portsleuth::engine::kb::{KbSource, KnowledgeBase};
use portsleuth::engine::reader::Reader;
use std::time::Instant;

const SEED: &str = include_str!("../assets/examples/seed-q298944-outlook-express.txt");

fn best<T>(mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::MAX;
    let mut last = None;
    for _ in 0..20 {
        let t = Instant::now();
        let v = f();
        best = best.min(t.elapsed().as_secs_f64() * 1e3);
        last = Some(v);
    }
    (best, last.expect("ran"))
}

fn main() {
    let sources = KbSource::builtin();
    // The first read and diagnosis also compile what is built on first use.
    let t = Instant::now();
    let kb0 = KnowledgeBase::load(&sources).0;
    let cold_load = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    let r0 = Reader::new(kb0.clone());
    let cold_reader = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    let s0 = r0.read(SEED);
    let cold_read = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    let _ = diagnose(&kb0, SEED, &s0, None);
    let cold_diag = t.elapsed().as_secs_f64() * 1e3;
    println!("cold: load {cold_load:.2} ms, reader {cold_reader:.2} ms, first read {cold_read:.2} ms, first diagnose {cold_diag:.2} ms");
    let (load, kb) = best(|| KnowledgeBase::load(&sources).0);
    let (reader_ms, reader) = best(|| Reader::new(kb.clone()));
    let (read, symptoms) = best(|| reader.read(SEED));
    let (diag, _) = best(|| diagnose(&kb, SEED, &symptoms, None));
    println!("knowledge base load: {load:6.2} ms");
    println!("reader build:        {reader_ms:6.2} ms");
    println!("read seed text:      {read:6.2} ms");
    println!("diagnose:            {diag:6.2} ms");
    println!(
        "total:               {:6.2} ms",
        load + reader_ms + read + diag
    );
}
