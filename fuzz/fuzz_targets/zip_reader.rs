//! The zip reader on arbitrary bytes (given the zip magic half the time): a
//! bundle or a typed error, never a panic, an abort or an allocation from a
//! declared size (libFuzzer's RSS limit catches those), and nothing written.
#![no_main]

use autoheal::ingest::{self, Source};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut bytes = Vec::with_capacity(data.len() + 4);
    if data.first().is_some_and(|b| b & 1 == 1) {
        bytes.extend_from_slice(b"PK\x03\x04");
        bytes.extend_from_slice(&data[1..]);
    } else {
        bytes.extend_from_slice(data);
    }
    let src = [Source::Bytes {
        name: "fuzz.zip".to_string(),
        data: bytes,
    }];
    match ingest::load(&src) {
        Ok(bundle) => {
            for job in &bundle.jobs {
                for step in &job.steps {
                    let kept: usize = step.tail.iter().map(|l| l.text.len()).sum();
                    assert!(kept <= ingest::MAX_TAIL_BYTES + ingest::MAX_LINE_BYTES + 64);
                }
            }
        }
        Err(e) => {
            // Every error renders as one line.
            assert!(!e.to_string().contains('\n'), "{e}");
        }
    }
});
