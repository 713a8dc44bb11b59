//! A loopback TCP proxy in front of a broker that counts the HTTP/1
//! requests crossing it whose path starts with a prefix: what a client
//! really sent, seen on the wire, without the broker's help.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub struct CountingProxy {
    /// `http://127.0.0.1:PORT`, to give clients instead of the broker's.
    pub base: String,
    count: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl CountingProxy {
    /// A proxy to the broker at `target` (`host:port`) counting requests
    /// whose path starts with `prefix`.
    pub async fn start(target: &str, prefix: &'static str) -> CountingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("binding");
        let base = format!("http://{}", listener.local_addr().unwrap());
        let count = Arc::new(AtomicUsize::new(0));
        let target = target.to_owned();
        let counted = count.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let server = TcpStream::connect(&target)
                    .await
                    .expect("reaching the broker");
                tokio::spawn(relay(client, server, prefix, counted.clone()));
            }
        });
        CountingProxy { base, count, task }
    }

    /// Requests counted so far.
    pub fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }
}

impl Drop for CountingProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Copies both ways until either side closes, counting the requests from
/// the client as their heads go by.
async fn relay(client: TcpStream, server: TcpStream, prefix: &str, count: Arc<AtomicUsize>) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let answers = tokio::spawn(async move {
        let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
        let _ = client_write.shutdown().await;
    });
    let mut requests = Requests::default();
    let mut buffer = vec![0; 16 * 1024];
    while let Ok(n) = client_read.read(&mut buffer).await {
        if n == 0 {
            break;
        }
        let paths = requests.feed(&buffer[..n]);
        let matching = paths.iter().filter(|p| p.starts_with(prefix)).count();
        count.fetch_add(matching, Ordering::SeqCst);
        if server_write.write_all(&buffer[..n]).await.is_err() {
            break;
        }
    }
    let _ = server_write.shutdown().await;
    let _ = answers.await;
}

/// Finds request heads in a client's byte stream, skipping the bodies
/// their Content-Length announces.
#[derive(Default)]
struct Requests {
    head: Vec<u8>,
    /// Body bytes still to skip.
    body: usize,
}

impl Requests {
    /// The paths of the requests whose heads end in `bytes`.
    fn feed(&mut self, mut bytes: &[u8]) -> Vec<String> {
        let mut paths = Vec::new();
        while !bytes.is_empty() {
            if self.body > 0 {
                let skipped = self.body.min(bytes.len());
                self.body -= skipped;
                bytes = &bytes[skipped..];
                continue;
            }
            self.head.push(bytes[0]);
            bytes = &bytes[1..];
            if self.head.ends_with(b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.head).into_owned();
                self.head.clear();
                let mut lines = head.lines();
                let target = lines
                    .next()
                    .and_then(|line| line.split(' ').nth(1))
                    .unwrap_or_default();
                paths.push(target.to_owned());
                for line in lines {
                    let (name, value) = line.split_once(':').unwrap_or((line, ""));
                    let value = value.trim();
                    if name.eq_ignore_ascii_case("content-length") {
                        self.body = value.parse().expect("a Content-Length");
                    }
                    assert!(
                        !(name.eq_ignore_ascii_case("transfer-encoding")
                            && value.eq_ignore_ascii_case("chunked")),
                        "the proxy does not follow chunked request bodies"
                    );
                }
            }
        }
        paths
    }
}
