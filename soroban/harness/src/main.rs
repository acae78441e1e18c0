//! `quiltkit-soroban-harness`: JSON lines on stdin, JSON lines on stdout.
//!
//! Options: `--network-passphrase <P>`, `--timestamp <unix seconds>`,
//! `--sequence <ledger>`. One request per line, one response per line, in
//! order; EOF ends the process. See soroban/README.md for the protocol.

use std::io::{BufRead, Write};

use quiltkit_soroban_harness::{Config, Harness};

fn main() {
    let mut config = Config::default();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || {
            args.next().unwrap_or_else(|| {
                eprintln!("{flag} needs a value");
                std::process::exit(2)
            })
        };
        match flag.as_str() {
            "--network-passphrase" => config.network_passphrase = value(),
            "--timestamp" => config.timestamp = parse(&flag, &value()),
            "--sequence" => config.sequence = parse(&flag, &value()),
            "-h" | "--help" => {
                println!(
                    "usage: quiltkit-soroban-harness [--network-passphrase P] [--timestamp T] [--sequence N]"
                );
                return;
            }
            other => {
                eprintln!("unknown option {other}");
                std::process::exit(2);
            }
        }
    }

    let mut harness = Harness::new(config);
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let line = match line {
            Ok(l) => l,
            Err(e) => {
                eprintln!("stdin: {e}");
                break;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        let response = harness.handle_line(&line);
        if writeln!(stdout, "{response}")
            .and_then(|_| stdout.flush())
            .is_err()
        {
            break;
        }
    }
}

fn parse<T: std::str::FromStr>(flag: &str, v: &str) -> T {
    v.parse().unwrap_or_else(|_| {
        eprintln!("{flag}: bad value {v:?}");
        std::process::exit(2)
    })
}
