//! How much memory does a 20 MB upload take? The real server on loopback receives a
//! 20 MB PDF through the API's multipart route (streamed to a temporary file, checked,
//! kept in the local store) while a client streams it from a reader; the process's peak
//! resident set (VmHWM) is read before and after. The issue's goal: under 64 MB above
//! idle. Client and server share the process here, so the figure includes the client's
//! own buffers: it can only overstate the server's.
//!
//! `cargo bench -p sendpanel-web --bench upload` (add `--profile dev` for a quick run).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::Read;
use std::net::TcpListener;
use std::sync::Arc;
use std::thread;
use std::time::Instant;

use sendpanel_core::clock::BankHolidays;
use sendpanel_core::domain::{Email, UserRole};
use sendpanel_core::identity::{add_user, issue_token};
use sendpanel_core::policy::{Limits, PluginCatalogue, PolicyHost};
use sendpanel_core::workflow::receive_request;
use sendpanel_tests::TestDb;
use sendpanel_tests::journey::{on, request};
use sendpanel_tests::panels::torbay;
use sendpanel_web::headers::SecurityHeaders;
use sendpanel_web::server::start_with;
use sendpanel_web::settings::SessionSettings;
use sendpanel_web::state::AppState;

const BOUNDARY: &str = "sendpanel-bench-boundary";
const SIZE: usize = 20 * 1024 * 1024;

/// A kilobyte-line of the PDF's filler, read over and over without holding 20 MB.
struct Filler {
    left: usize,
}

impl Read for Filler {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.left);
        buf[..n].fill(b'%');
        self.left -= n;
        Ok(n)
    }
}

/// Peak resident set of this process, in MB (Linux's VmHWM).
fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kb: f64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kb / 1024.0
}

fn main() {
    let test_db = TestDb::sqlite().unwrap();
    let db = &test_db.db;
    let (scope, config) = torbay(db).unwrap();
    let email = Email::parse("casey@torbay.example").unwrap();
    add_user(
        db,
        &scope,
        &email,
        "Casey Worker",
        UserRole::Caseworker,
        None,
        &on(2023, 10, 2),
    )
    .unwrap();
    let token = issue_token(db, &scope, &email, Some("bench"), &on(2023, 10, 2))
        .unwrap()
        .1;
    let case = receive_request(db, &scope, &request(1), None, &on(2023, 9, 4))
        .unwrap()
        .case
        .id;
    let state = AppState {
        db: db.clone(),
        authorities: Arc::new(vec![config]),
        catalogue: PluginCatalogue::new(PolicyHost::new(Limits::default(), None).unwrap()),
        holidays: Arc::new(BankHolidays::england_and_wales()),
        clock: Arc::new(on(2023, 10, 2)),
        live: Default::default(),
        sign_in_limiter: Default::default(),
        account_mail: None,
        oidc: Default::default(),
        documents: sendpanel_core::documents::Documents::scratch().unwrap(),
    };
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let sessions = SessionSettings {
        key: None,
        secure: false,
    };
    let server = start_with(state, &sessions, SecurityHeaders::default(), listener).unwrap();
    let handle = server.handle();
    let serving = thread::spawn(move || actix_web::rt::System::new().block_on(server));

    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    // Warm: the server's first request, so idle includes what every request needs.
    let _ = agent.get(&format!("{base}/healthz")).call();
    let idle = peak_rss_mb();

    let head = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nep_report\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"author_organisation\"\r\n\r\nEP service\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"written_on\"\r\n\r\n2023-09-01\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"report.pdf\"\r\n\
         Content-Type: application/pdf\r\n\r\n%PDF-1.4\n"
    );
    let tail = format!("\n%%EOF\n\r\n--{BOUNDARY}--\r\n");
    let length = head.len() + SIZE + tail.len();
    let mut body = head
        .as_bytes()
        .chain(Filler { left: SIZE })
        .chain(tail.as_bytes());
    let started = Instant::now();
    let response = agent
        .post(&format!("{base}/api/v1/requests/{case}/evidence"))
        .header("Authorization", &format!("Bearer {token}"))
        .header(
            "Content-Type",
            &format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .header("Content-Length", &length.to_string())
        .send(ureq::SendBody::from_reader(&mut body))
        .unwrap();
    let took = started.elapsed();
    assert_eq!(response.status().as_u16(), 201, "the upload was refused");
    let after = peak_rss_mb();
    println!(
        "upload of a {} MB PDF: {:.2} s; peak RSS {idle:.1} MB idle, {after:.1} MB after: {:.1} MB above idle (goal: under 64)",
        SIZE / (1024 * 1024),
        took.as_secs_f64(),
        after - idle
    );
    actix_web::rt::System::new().block_on(handle.stop(true));
    serving.join().unwrap().unwrap();
}
