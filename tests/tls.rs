//! TLS (LANGUAGE.md section 13) through the real binary, under both drivers, with
//! certificates made at run time: examples/tls_echo.spl in one process (`demo`), its
//! server answered by its client and by Python's `ssl` module, handshake failures
//! (an untrusted CA, a wrong server name, a plain-TCP peer) as `NetError::IoError` with
//! rustls's message, and a bad certificate file.

#[macro_use]
mod common;
#[path = "support/certs.rs"]
mod certs;

use common::{Driver, Proc};
use std::path::PathBuf;

both_drivers!(demo_in_one_process, example_server_with_example_and_python_clients, handshake_failures_are_net_errors);

fn certs(name: &str, driver: Driver) -> certs::Certs {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("tls_{name}_{}", driver == Driver::Legacy));
    certs::make(&dir)
}

fn s(p: &std::path::Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn demo_in_one_process(driver: Driver) {
    let c = certs("demo", driver);
    let out = Proc::spawn(driver, &["examples/tls_echo.spl", "demo", s(&c.cert), s(&c.key), s(&c.ca)]).finish();
    out.assert_clean("tls demo");
    assert_eq!(out.stdout, "echoed: hello\nechoed: over TLS ✓\nend: 0\n", "{}", out.describe());
}

fn example_server_with_example_and_python_clients(driver: Driver) {
    let c = certs("server", driver);
    let mut server = Proc::spawn(driver, &["examples/tls_echo.spl", "server", "127.0.0.1:0", s(&c.cert), s(&c.key)]);
    let addr = server.wait_listening().to_string();
    let out =
        Proc::spawn(driver, &["examples/tls_echo.spl", "client", &addr, "localhost", s(&c.ca), "one", "two"]).finish();
    out.assert_clean("tls client");
    assert_eq!(out.stdout, "echoed: one\nechoed: two\nend: 0\n", "{}", out.describe());
    // Python's ssl module as the client: TLS 1.3, the certificate checked against the CA
    let script = format!(
        "import socket, ssl\n\
         ctx = ssl.create_default_context(cafile={ca:?})\n\
         host, port = {addr:?}.rsplit(':', 1)\n\
         with socket.create_connection((host, int(port)), timeout=10) as raw:\n\
         \x20   with ctx.wrap_socket(raw, server_hostname='localhost') as t:\n\
         \x20       t.sendall(b'x' * 100000)\n\
         \x20       got = b''\n\
         \x20       while len(got) < 100000:\n\
         \x20           got += t.recv(65536)\n\
         \x20       print(t.version(), len(got), got == b'x' * 100000)\n",
        ca = s(&c.ca)
    );
    let py = std::process::Command::new("python3").args(["-c", &script]).output().expect("python3");
    assert!(py.status.success(), "python client failed: {}", String::from_utf8_lossy(&py.stderr));
    assert_eq!(String::from_utf8_lossy(&py.stdout), "TLSv1.3 100000 True\n");
    let out = server.kill();
    assert!(out.stderr.is_empty(), "server stderr: {}", out.stderr);
}

fn handshake_failures_are_net_errors(driver: Driver) {
    let c = certs("failures", driver);
    let dir = c.ca.parent().unwrap().to_path_buf();
    let program = dir.join("failures.spl");
    std::fs::write(
        &program,
        r#"import net::{TcpListener}
import tls

async fn serve(listener, acceptor):
    loop:
        let tcp = await listener.accept()?
        # the server side fails too (the client gives up): it must not stop the loop
        spawn(acceptor.accept(tcp))

async fn main():
    let argv = args()
    let listener = await TcpListener::bind("127.0.0.1:0")?
    let acceptor = tls::Acceptor::new(argv[0], argv[1])?
    spawn(serve(listener, acceptor))
    let addr = listener.local_addr()
    let untrusted = await tls::connect(addr, "localhost", Some(argv[3]))
    print("untrusted CA:", untrusted.is_err(), untrusted.unwrap_err().message().contains("UnknownIssuer"))
    let wrong_name = await tls::connect(addr, "example.com", Some(argv[2]))
    print("wrong name:", wrong_name.is_err(), wrong_name.unwrap_err().message().contains("not valid for name"))
    let ok = await tls::connect(addr, "localhost", Some(argv[2]))
    print("trusted:", ok.is_ok())
    # a plain TCP server that never speaks TLS: the handshake fails at end of stream
    let plain = await TcpListener::bind("127.0.0.1:0")?
    spawn(async { let s = await plain.accept(); s.unwrap().close() })
    print("plain peer:", (await tls::connect(plain.local_addr(), "localhost", Some(argv[2]))).is_err())
    print("bad cert file:", tls::Acceptor::new(argv[2] + ".missing", argv[1]))
    exit(0)
"#,
    )
    .unwrap();
    let missing = format!("{}.missing", s(&c.ca));
    let out = Proc::spawn(driver, &[s(&program), s(&c.cert), s(&c.key), s(&c.ca), s(&c.other_ca)]).finish();
    out.assert_clean("tls failures");
    let expected = format!(
        "untrusted CA: true true\nwrong name: true true\ntrusted: true\nplain peer: true\n\
         bad cert file: Err(NetError::IoError(\"cannot read certificate file {missing}: I/O error: No such file or directory (os error 2)\"))\n"
    );
    assert_eq!(out.stdout, expected, "{}", out.describe());
}
