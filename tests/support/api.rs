//! A loopback GitHub API for the binary's GitHub mode: canned answers by
//! path, 404 otherwise, every request recorded.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::sync::{Arc, Mutex};

/// A loopback GitHub API: every request is answered from `routes` by its
/// path (`/repos/acme/app/actions/...`), 404 otherwise, and recorded.
pub struct Api {
    port: u16,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Api {
    pub fn start(routes: Vec<(String, Vec<u8>)>) -> Api {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let seen2 = Arc::clone(&seen);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                let mut head = String::new();
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    head.push_str(&line);
                }
                let path = head.split(' ').nth(1).unwrap_or("").to_string();
                let body = routes.iter().find(|(p, _)| *p == path).map(|(_, b)| b);
                let (status, body) = match body {
                    Some(b) => ("200 OK", b.clone()),
                    None => ("404 Not Found", b"{\"message\":\"Not Found\"}".to_vec()),
                };
                seen2.lock().expect("lock").push(path);
                let mut r = format!(
                    "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                )
                .into_bytes();
                r.extend_from_slice(&body);
                let _ = stream.write_all(&r);
                let _ = stream.flush();
                let _ = stream.shutdown(std::net::Shutdown::Write);
                let _ = reader.read(&mut [0u8; 16]);
            }
        });
        Api { port, seen }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn seen(&self) -> Vec<String> {
        self.seen.lock().expect("lock").clone()
    }
}
