//! HTTP (LANGUAGE.md section 13) through the real binary, under both drivers: the
//! examples (http_hello with Python's http.client, http_json_api's whole API,
//! static_file_server's files, types, 404s and refused escapes), the protocol
//! (keep-alive, pipelining answered in order, chunked bodies, `Expect: 100-continue`,
//! 400/413/431, a handler's runtime error as 500 with the server still serving, HEAD,
//! Response::file), and the client (tests/http_programs/client.spl: get/post/request
//! against the test server, and https against a Python TLS server trusting a CA made
//! here through SSL_CERT_FILE).

#[macro_use]
mod common;
#[path = "support/certs.rs"]
mod certs;

use common::{Driver, Proc, TIME_LIMIT};
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::path::PathBuf;

both_drivers!(
    hello_with_python_client,
    json_api,
    pipelined_requests_answered_in_order,
    request_bodies_and_limits,
    handler_errors_are_500,
    static_files,
    simple_client,
);

fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(TIME_LIMIT)).unwrap();
    s
}

/// Sends `request` bytes, then reads until the server closes.
fn raw(addr: SocketAddr, request: &[u8]) -> String {
    let mut s = connect(addr);
    s.write_all(request).expect("send");
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// The status codes of the responses in `text`, in order.
fn statuses(text: &str) -> Vec<u16> {
    text.match_indices("HTTP/1.1 ").filter_map(|(i, _)| text[i + 9..i + 12].parse().ok()).collect()
}

fn scratch(name: &str, driver: Driver) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("http_{name}_{}", driver == Driver::Legacy));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn python(script: &str) -> String {
    let out = std::process::Command::new("python3").args(["-c", script]).output().expect("python3");
    assert!(out.status.success(), "python failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn hello_with_python_client(driver: Driver) {
    let mut server = Proc::spawn(driver, &["examples/http_hello.spl", "127.0.0.1:0"]);
    let addr = server.wait_listening();
    // three requests on one keep-alive connection
    let out = python(&format!(
        "import http.client\n\
         c = http.client.HTTPConnection('127.0.0.1', {port}, timeout=10)\n\
         for path in ['/', '/a?b=c', '/x']:\n\
         \x20   c.request('GET', path)\n\
         \x20   r = c.getresponse()\n\
         \x20   print(r.status, r.getheader('content-type'), r.getheader('content-length'), r.read())\n\
         print(c.sock is not None)\n",
        port = addr.port()
    ));
    let line = "200 text/plain; charset=utf-8 14 b'Hello, world!\\n'\n";
    assert_eq!(out, format!("{line}{line}{line}True\n"));
    let out = server.kill();
    assert!(out.stderr.is_empty(), "{}", out.describe());
}

fn json_api(driver: Driver) {
    let mut server = Proc::spawn(driver, &["examples/http_json_api.spl", "127.0.0.1:0"]);
    let addr = server.wait_listening();
    let out = python(&format!(
        "import http.client, json\n\
         c = http.client.HTTPConnection('127.0.0.1', {port}, timeout=10)\n\
         def call(method, path, body=None):\n\
         \x20   c.request(method, path, body=body)\n\
         \x20   r = c.getresponse()\n\
         \x20   data = r.read()\n\
         \x20   print(method, path, r.status, r.getheader('content-type'), data.decode())\n\
         call('PUT', '/kv/a', json.dumps({{'n': [1, 2.5, None]}}))\n\
         call('PUT', '/kv/a', '7')\n\
         call('PUT', '/kv/b', '\"text\"')\n\
         call('GET', '/kv/a')\n\
         call('GET', '/kv')\n\
         call('PUT', '/kv/c', '{{not json')\n\
         call('DELETE', '/kv/a')\n\
         call('DELETE', '/kv/a')\n\
         call('GET', '/kv/a')\n\
         call('POST', '/kv/b')\n\
         call('GET', '/other')\n",
        port = addr.port()
    ));
    let expected = r#"PUT /kv/a 201 application/json {"key":"a","value":{"n":[1,2.5,null]}}
PUT /kv/a 200 application/json {"key":"a","value":7}
PUT /kv/b 201 application/json {"key":"b","value":"text"}
GET /kv/a 200 application/json {"key":"a","value":7}
GET /kv 200 application/json {"keys":["a","b"]}
PUT /kv/c 400 application/json {"error":"the body is not JSON: key must be a string at line 1 column 2"}
DELETE /kv/a 204 None 
DELETE /kv/a 404 application/json {"error":"no key `a`"}
GET /kv/a 404 application/json {"error":"no key `a`"}
POST /kv/b 405 application/json {"error":"POST is not allowed here"}
GET /other 404 application/json {"error":"no route for /other"}
"#;
    assert_eq!(out, expected);
    server.kill();
}

fn pipelined_requests_answered_in_order(driver: Driver) {
    let mut server = Proc::spawn(driver, &["examples/http_json_api.spl", "127.0.0.1:0"]);
    let addr = server.wait_listening();
    // all in one write: each response must reflect the requests before it
    let text = raw(
        addr,
        b"PUT /kv/k HTTP/1.1\r\nhost: x\r\ncontent-length: 1\r\n\r\n1\
          GET /kv/k HTTP/1.1\r\nhost: x\r\n\r\n\
          DELETE /kv/k HTTP/1.1\r\nhost: x\r\n\r\n\
          GET /kv/k HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
    );
    assert_eq!(statuses(&text), vec![201, 200, 204, 404], "{text}");
    let first_get = text.find("{\"key\":\"k\",\"value\":1}").expect("the GET saw the PUT");
    assert!(first_get < text.find("HTTP/1.1 204").unwrap(), "{text}");
    assert!(text.ends_with("{\"error\":\"no key `k`\"}"), "{text}");
    // HTTP/1.0 closes after one response unless it asks for keep-alive
    let text = raw(addr, b"GET /kv HTTP/1.0\r\n\r\n");
    assert_eq!(statuses(&text.replace("HTTP/1.0", "HTTP/1.1")), vec![200], "{text}");
    assert!(text.contains("connection: close\r\n"), "{text}");
    server.kill();
}

fn request_bodies_and_limits(driver: Driver) {
    let mut server = Proc::spawn(driver, &["tests/http_programs/server.spl", "127.0.0.1:0", "1000"]);
    let addr = server.wait_listening();
    // chunked request body
    let text = raw(
        addr,
        b"POST /echo HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n\
          5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\ntrailer: t\r\n\r\n",
    );
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n") && text.contains("\"body\":\"hello, world\""), "{text}");
    // Expect: 100-continue: the interim response comes before the body is sent
    let mut s = connect(addr);
    s.write_all(
        b"POST /echo HTTP/1.1\r\nhost: x\r\ncontent-length: 4\r\nexpect: 100-continue\r\nconnection: close\r\n\r\n",
    )
    .unwrap();
    let mut interim = [0u8; 25];
    s.read_exact(&mut interim).expect("100 Continue");
    assert_eq!(&interim, b"HTTP/1.1 100 Continue\r\n\r\n");
    s.write_all(b"ping").unwrap();
    let mut rest = String::new();
    let _ = s.read_to_string(&mut rest);
    assert!(rest.starts_with("HTTP/1.1 200 OK\r\n") && rest.contains("\"body\":\"ping\""), "{rest}");
    // over max_body (1000): by length (with and without 100-continue) and chunked
    let big = raw(addr, b"POST /echo HTTP/1.1\r\nhost: x\r\ncontent-length: 1001\r\n\r\n");
    assert_eq!(statuses(&big), vec![413], "{big}");
    let big = raw(addr, b"POST /echo HTTP/1.1\r\nhost: x\r\ncontent-length: 5000\r\nexpect: 100-continue\r\n\r\n");
    assert_eq!(statuses(&big), vec![413], "{big}");
    let mut chunked = b"POST /echo HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..3 {
        chunked.extend_from_slice(b"190\r\n");
        chunked.extend_from_slice(&[b'x'; 400]);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    assert_eq!(statuses(&raw(addr, &chunked)), vec![413]);
    // malformed requests and an oversized head
    assert_eq!(statuses(&raw(addr, b"GARBAGE\r\n\r\n")), vec![400]);
    assert_eq!(statuses(&raw(addr, b"GET / HTTP/1.1\r\ncontent-length: x\r\n\r\n")), vec![400]);
    let mut huge = b"GET / HTTP/1.1\r\nx-big: ".to_vec();
    huge.extend(std::iter::repeat_n(b'a', 20_000));
    huge.extend_from_slice(b"\r\n\r\n");
    assert_eq!(statuses(&raw(addr, &huge)), vec![431]);
    // a client that disconnects halfway through a body does not disturb the server
    let mut s = connect(addr);
    s.write_all(b"POST /echo HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\nabc").unwrap();
    s.shutdown(Shutdown::Both).unwrap();
    // HEAD: the headers of a GET, no body
    let head = raw(addr, b"HEAD /echo HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n") && head.ends_with("\r\n\r\n"), "{head}");
    assert!(head.contains("content-length: "), "{head}");
    assert_eq!(statuses(&raw(addr, b"GET /status/204 HTTP/1.1\r\nconnection: close\r\n\r\n")), vec![204]);
    let out = server.kill();
    assert!(out.stderr.is_empty(), "protocol errors are answered, not logged\n{}", out.describe());
}

fn handler_errors_are_500(driver: Driver) {
    let mut server = Proc::spawn(driver, &["tests/http_programs/server.spl", "127.0.0.1:0"]);
    let addr = server.wait_listening();
    let text = raw(
        addr,
        b"GET /fail HTTP/1.1\r\nhost: x\r\n\r\nGET /echo?after=1 HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
    );
    assert_eq!(statuses(&text), vec![500, 200], "the connection goes on after a 500\n{text}");
    assert!(text.contains("\"query\":{\"after\":\"1\"}"), "{text}");
    assert_eq!(statuses(&raw(addr, b"GET /fail HTTP/1.1\r\nconnection: close\r\n\r\n")), vec![500]);
    let out = server.kill();
    let logged = out.stderr.matches("http: GET /fail: the handler failed:").count();
    assert_eq!(logged, 2, "each failure logged once\n{}", out.describe());
    assert!(out.stderr.contains("index 10 out of range for List of length 2"), "{}", out.describe());
}

fn static_files(driver: Driver) {
    let dir = scratch("static", driver);
    let root = dir.join("www");
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::write(root.join("index.html"), "<h1>home</h1>").unwrap();
    std::fs::write(root.join("sub/style.css"), "body{}").unwrap();
    let big: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(root.join("big.bin"), &big).unwrap();
    std::fs::write(dir.join("secret.txt"), "secret").unwrap();
    std::os::unix::fs::symlink(dir.join("secret.txt"), root.join("leak")).unwrap();
    std::os::unix::fs::symlink(root.join("sub/style.css"), root.join("inside.css")).unwrap();
    let mut server = Proc::spawn(driver, &["examples/static_file_server.spl", root.to_str().unwrap(), "127.0.0.1:0"]);
    let addr = server.wait_listening();
    let get = |path: &str| raw(addr, format!("GET {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").as_bytes());
    let status_and_type = |path: &str| {
        let text = get(path);
        let ty = text.lines().find_map(|l| l.strip_prefix("content-type: ")).unwrap_or("").to_string();
        (statuses(&text).first().copied().unwrap_or(0), ty)
    };
    assert_eq!(status_and_type("/"), (200, "text/html; charset=utf-8".into()));
    assert_eq!(status_and_type("/sub/style.css"), (200, "text/css; charset=utf-8".into()));
    assert_eq!(status_and_type("/inside.css").0, 200);
    for escape in ["/leak", "/../secret.txt", "/sub/../../secret.txt", "/%2e%2e/secret.txt"] {
        assert_eq!(status_and_type(escape).0, 403, "{escape}");
    }
    assert_eq!(status_and_type("/missing").0, 404);
    assert_eq!(status_and_type("/sub").0, 404);
    let text = raw(addr, b"POST / HTTP/1.1\r\nconnection: close\r\n\r\n");
    assert_eq!(statuses(&text), vec![405]);
    // a 3 MB file, streamed: exactly its bytes, with its length announced
    let mut s = connect(addr);
    s.write_all(b"GET /big.bin HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").unwrap();
    let mut all = Vec::new();
    s.read_to_end(&mut all).unwrap();
    let split = all.windows(4).position(|w| w == b"\r\n\r\n").expect("head") + 4;
    let head = String::from_utf8_lossy(&all[..split]);
    assert!(head.contains("content-length: 3000000\r\n") && head.contains("application/octet-stream"), "{head}");
    assert!(all[split..] == big[..], "the streamed file differs");
    server.kill();
}

fn simple_client(driver: Driver) {
    let mut server = Proc::spawn(driver, &["tests/http_programs/server.spl", "127.0.0.1:0"]);
    let addr = server.wait_listening();
    let dir = scratch("client", driver);
    let c = certs::make(&dir.join("certs"));
    // Python's http.server behind TLS, trusting nothing special
    let script = dir.join("https.py");
    std::fs::write(
        &script,
        "import http.server, ssl, sys\n\
         class H(http.server.BaseHTTPRequestHandler):\n\
         \x20   def do_GET(self):\n\
         \x20       body = b'secure hello'\n\
         \x20       self.send_response(200)\n\
         \x20       self.send_header('content-length', str(len(body)))\n\
         \x20       self.end_headers()\n\
         \x20       self.wfile.write(body)\n\
         \x20   def log_message(self, *a):\n\
         \x20       pass\n\
         srv = http.server.HTTPServer(('127.0.0.1', 0), H)\n\
         ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n\
         ctx.load_cert_chain(sys.argv[1], sys.argv[2])\n\
         srv.socket = ctx.wrap_socket(srv.socket, server_side=True)\n\
         print('listening on 127.0.0.1:%d' % srv.server_address[1], flush=True)\n\
         srv.serve_forever()\n",
    )
    .unwrap();
    let mut py = PyServer::start(&script, &c.cert, &c.key);
    let https = format!("https://localhost:{}/", py.port());
    let base = format!("http://{addr}");
    let ca = c.ca.to_str().unwrap().to_string();
    let out = Proc::spawn_argv_with(
        driver,
        &["run", "--color", "never", "tests/http_programs/client.spl", &base, &https],
        TIME_LIMIT,
        move |cmd| {
            cmd.env("SSL_CERT_FILE", &ca);
        },
    )
    .finish();
    out.assert_clean("http client");
    let expected = "200 application/json GET {\"x\": \"1\", \"y\": \"a b\"} yes\n\
                    200 posted ✓\n\
                    200 {\"k\":[1,2]}\n\
                    204\n\
                    head: 200 0\n\
                    missing: 404\n\
                    refused: Err(NetError::ConnectionRefused)\n\
                    bad url: Err(NetError::AddrParseError(\"the URL `ftp://x` must start with http:// or https://\"))\n\
                    https: 200 secure hello\n";
    assert_eq!(out.stdout, expected, "{}", out.describe());
    py.stop();
    server.kill();
}

/// A Python server child: its port from its `listening on` line; killed on drop.
struct PyServer(std::process::Child, u16);

impl PyServer {
    fn start(script: &std::path::Path, cert: &std::path::Path, key: &std::path::Path) -> PyServer {
        use std::io::BufRead;
        let mut child = std::process::Command::new("python3")
            .arg(script)
            .arg(cert)
            .arg(key)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python3");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).expect("listening line");
        let port = line.trim().rsplit(':').next().and_then(|p| p.parse().ok()).expect("a port");
        PyServer(child, port)
    }
    fn port(&self) -> u16 {
        self.1
    }
    fn stop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for PyServer {
    fn drop(&mut self) {
        self.stop();
    }
}
