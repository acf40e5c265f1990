//! Certificates made at test time with rcgen (never checked in): a CA, and a server
//! certificate it signed for `localhost` and 127.0.0.1, written as PEM files.

use std::path::{Path, PathBuf};

pub struct Certs {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
    /// a second CA that signed nothing here: trusting it must fail the handshake
    pub other_ca: PathBuf,
}

fn ca(name: &str) -> (rcgen::Certificate, rcgen::KeyPair) {
    let key = rcgen::KeyPair::generate().expect("CA key");
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA params");
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.distinguished_name.push(rcgen::DnType::CommonName, name);
    (params.self_signed(&key).expect("self-signed CA"), key)
}

/// Writes the PEM files into `dir`.
pub fn make(dir: &Path) -> Certs {
    std::fs::create_dir_all(dir).expect("cert dir");
    let (ca_cert, ca_key) = ca("simple test CA");
    let key = rcgen::KeyPair::generate().expect("server key");
    let mut params =
        rcgen::CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).expect("params");
    params.distinguished_name.push(rcgen::DnType::CommonName, "localhost");
    let cert = params.signed_by(&key, &ca_cert, &ca_key).expect("server certificate");
    let (other, _) = ca("another CA");
    let certs = Certs {
        ca: dir.join("ca.pem"),
        cert: dir.join("cert.pem"),
        key: dir.join("key.pem"),
        other_ca: dir.join("other_ca.pem"),
    };
    std::fs::write(&certs.ca, ca_cert.pem()).unwrap();
    std::fs::write(&certs.cert, cert.pem()).unwrap();
    std::fs::write(&certs.key, key.serialize_pem()).unwrap();
    std::fs::write(&certs.other_ca, other.pem()).unwrap();
    certs
}
