//! Virus scanning of uploads against a real clamd on loopback (Debian's clamav-daemon,
//! started here with the EICAR test signature as its database; `.ci/run` installs it):
//! EICAR is found, bare and inside other bytes; ordinary files are clean; a large file
//! streams through; a file over clamd's stream limit is refused as too large; and a
//! clamd that is not there is an error, never "clean". Also checks that the test S3
//! server (moto) takes a put and a get through `object_store` with the builder settings
//! in `util/s3.rs`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use object_store::ObjectStoreExt;
use object_store::path::Path as ObjectPath;
use sendpanel_core::documents::scan::{ClamdAddress, ScanError, Scanner, Verdict};
use sendpanel_tests::clamd::{Clamd, EICAR_SIGNATURE, STREAM_MAX_LENGTH, eicar};
use sendpanel_tests::s3::S3Server;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn unix_scanner(clamd: &Clamd) -> Scanner {
    Scanner::new(
        ClamdAddress::Unix(clamd.socket.clone()),
        Duration::from_secs(60),
    )
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// A file of `len` bytes of ordinary text, written in pieces (never held whole).
fn write_large(dir: &Path, name: &str, len: u64) -> std::path::PathBuf {
    let path = dir.join(name);
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let line = b"Section F: provision to meet the child's special educational needs.\n";
    let mut written = 0u64;
    while written < len {
        file.write_all(line).unwrap();
        written += line.len() as u64;
    }
    file.flush().unwrap();
    path
}

fn assert_eicar(verdict: &Verdict) {
    match verdict {
        Verdict::Infected { signature } => assert!(
            signature.starts_with(EICAR_SIGNATURE),
            "unexpected signature {signature}"
        ),
        Verdict::Clean => panic!("EICAR was reported clean"),
    }
}

#[test]
fn eicar_is_infected_and_ordinary_files_are_clean() {
    let clamd = Clamd::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let bare = write(dir.path(), "eicar.com", &eicar());
    let mut wrapped = b"%PDF-1.4\n% a statement of needs\n".to_vec();
    wrapped.extend_from_slice(&eicar());
    wrapped.extend_from_slice(b"\ntrailing bytes after the test string\n%%EOF\n");
    let wrapped = write(dir.path(), "evidence.pdf", &wrapped);
    let pdf = write(
        dir.path(),
        "report.pdf",
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",
    );
    let text = write(
        dir.path(),
        "letter.txt",
        b"Dear parent, the panel met today.\n",
    );
    let empty = write(dir.path(), "empty.txt", b"");

    let rt = runtime();
    for scanner in [
        unix_scanner(&clamd),
        Scanner::new(
            ClamdAddress::Tcp(clamd.tcp_address()),
            Duration::from_secs(60),
        ),
    ] {
        rt.block_on(async {
            scanner.ping().await.unwrap();
            assert_eicar(&scanner.scan_file(&bare).await.unwrap());
            assert_eicar(&scanner.scan_file(&wrapped).await.unwrap());
            for clean in [&pdf, &text, &empty] {
                assert_eq!(
                    scanner.scan_file(clean).await.unwrap(),
                    Verdict::Clean,
                    "{} via {}",
                    clean.display(),
                    scanner.address()
                );
            }
        });
    }
}

#[test]
fn a_large_clean_file_streams_through() {
    let clamd = Clamd::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let large = write_large(dir.path(), "large.txt", 20 * 1024 * 1024);
    let rt = runtime();
    let verdict = rt
        .block_on(unix_scanner(&clamd).scan_file(&large))
        .unwrap_or_else(|e| panic!("{e}: {}", clamd.log_text()));
    assert_eq!(verdict, Verdict::Clean);
}

#[test]
fn a_file_over_the_stream_limit_is_too_large_not_clean() {
    let clamd = Clamd::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let huge = write_large(dir.path(), "huge.txt", STREAM_MAX_LENGTH + 1024 * 1024);
    let rt = runtime();
    for scanner in [
        unix_scanner(&clamd),
        Scanner::new(
            ClamdAddress::Tcp(clamd.tcp_address()),
            Duration::from_secs(60),
        ),
    ] {
        let result = rt.block_on(scanner.scan_file(&huge));
        assert!(
            matches!(result, Err(ScanError::TooLarge)),
            "via {}: {result:?}",
            scanner.address()
        );
    }
}

#[test]
fn an_unreachable_clamd_is_an_error_not_clean() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "letter.txt", b"Dear parent,\n");
    let rt = runtime();

    let nobody = Scanner::new(
        ClamdAddress::Unix(dir.path().join("no-clamd.sock")),
        Duration::from_secs(5),
    );
    let result = rt.block_on(nobody.scan_file(&file));
    assert!(
        matches!(result, Err(ScanError::Unreachable { .. })),
        "{result:?}"
    );
    assert!(matches!(
        rt.block_on(nobody.ping()),
        Err(ScanError::Unreachable { .. })
    ));

    let port = sendpanel_tests::mail::free_port().unwrap();
    let nobody = Scanner::new(
        ClamdAddress::Tcp(format!("127.0.0.1:{port}")),
        Duration::from_secs(5),
    );
    let result = rt.block_on(nobody.scan_file(&file));
    assert!(
        matches!(result, Err(ScanError::Unreachable { .. })),
        "{result:?}"
    );

    // A clamd that stopped after the scanner was set up.
    let mut clamd = Clamd::start().unwrap();
    let scanner = unix_scanner(&clamd);
    rt.block_on(scanner.ping()).unwrap();
    clamd.stop();
    let result = rt.block_on(scanner.scan_file(&file));
    assert!(
        matches!(result, Err(ScanError::Unreachable { .. })),
        "{result:?}"
    );
}

#[test]
fn a_missing_file_is_an_io_error() {
    let clamd = Clamd::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime();
    let result = rt.block_on(unix_scanner(&clamd).scan_file(&dir.path().join("gone.pdf")));
    assert!(matches!(result, Err(ScanError::Io(_))), "{result:?}");
}

#[test]
fn a_silent_clamd_times_out() {
    // Something that accepts connections and never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "letter.txt", b"Dear parent,\n");
    let scanner = Scanner::new(ClamdAddress::Tcp(address), Duration::from_millis(500));
    let result = runtime().block_on(scanner.scan_file(&file));
    assert!(
        matches!(result, Err(ScanError::TimedOut { .. })),
        "{result:?}"
    );
    drop(listener);
}

/// The settings in `S3Server::builder` (path-style, plain HTTP, test credentials) work
/// against moto: an object put is read back.
#[test]
fn the_test_s3_server_takes_a_put_and_a_get() {
    let server = S3Server::start().unwrap();
    let store = server.builder().build().unwrap();
    let path = ObjectPath::from("evidence/2026/report.pdf");
    let body = b"%PDF-1.4 a small report\n".to_vec();
    runtime().block_on(async {
        store
            .put(&path, body.clone().into())
            .await
            .unwrap_or_else(|e| panic!("{e}: {}", server.log_text()));
        let read = store.get(&path).await.unwrap().bytes().await.unwrap();
        assert_eq!(&read[..], &body[..]);
        let meta = store.head(&path).await.unwrap();
        assert_eq!(meta.size, body.len() as u64);
    });
}
