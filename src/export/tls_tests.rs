use super::*;

/// A certificate for `name` signed by a fresh CA: (chain PEM, key PEM, the certificate's DER).
fn issued(name: &str) -> (String, String, Vec<u8>) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = ca.self_signed(&ca_key).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec![name.to_string()])
        .unwrap()
        .signed_by(&key, &ca, &ca_key)
        .unwrap();
    (cert.pem(), key.serialize_pem(), cert.der().to_vec())
}

fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("callboard-tls-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, text: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn served(certificates: &Certificates) -> Vec<u8> {
    let current = certificates.current.read().unwrap();
    current.cert[0].to_vec()
}

#[test]
fn a_certificate_and_its_key_load_and_a_reload_takes_the_renewed_pair() {
    let dir = scratch("reload");
    let (cert, key, der) = issued("board.example");
    let cert_path = write(&dir, "cert.pem", cert.as_bytes());
    let key_path = write(&dir, "key.pem", key.as_bytes());
    let certificates = Certificates::load(&cert_path, &key_path).unwrap();
    assert_eq!(served(&certificates), der);

    let (renewed, renewed_key, renewed_der) = issued("board.example");
    assert_ne!(renewed_der, der);
    write(&dir, "cert.pem", renewed.as_bytes());
    write(&dir, "key.pem", renewed_key.as_bytes());
    certificates.reload().unwrap();
    assert_eq!(served(&certificates), renewed_der);

    // A renewal half written (the new certificate, the old key) is refused; the pair in use stays.
    let (third, _, _) = issued("board.example");
    write(&dir, "cert.pem", third.as_bytes());
    let refused = certificates.reload().unwrap_err();
    assert!(matches!(refused, TlsError::Mismatch { .. }), "{refused}");
    assert_eq!(served(&certificates), renewed_der);
}

#[test]
fn garbage_files_are_refused_with_the_file_named_and_never_panic() {
    let dir = scratch("garbage");
    let (cert, key, _) = issued("board.example");
    let good_cert = write(&dir, "good-cert.pem", cert.as_bytes());
    let good_key = write(&dir, "good-key.pem", key.as_bytes());
    let mut noise = vec![0u8; 4096];
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    for byte in &mut noise {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        *byte = state as u8;
    }
    let truncated = &cert.as_bytes()[..cert.len() / 2];
    let bad_base64 = b"-----BEGIN CERTIFICATE-----\n!!!not base64!!!\n-----END CERTIFICATE-----\n";
    let garbage: [&[u8]; 6] = [
        b"",
        b"not a certificate at all",
        &noise,
        truncated,
        bad_base64,
        key.as_bytes(), // a key where the certificate belongs
    ];
    for (index, text) in garbage.iter().enumerate() {
        let path = write(&dir, &format!("bad-{index}.pem"), text);
        let as_cert = Certificates::load(&path, &good_key).unwrap_err();
        assert!(
            as_cert.to_string().contains(&format!("bad-{index}.pem")),
            "{as_cert}"
        );
        if index == 5 {
            continue; // a key is a key
        }
        let as_key = Certificates::load(&good_cert, &path).unwrap_err();
        assert!(
            as_key.to_string().contains(&format!("bad-{index}.pem")),
            "{as_key}"
        );
    }
    let swapped = Certificates::load(&good_cert, &good_cert).unwrap_err();
    assert!(
        swapped.to_string().contains("no PEM private key"),
        "{swapped}"
    );
    let missing = Certificates::load(&dir.join("absent.pem"), &good_key).unwrap_err();
    assert!(matches!(missing, TlsError::Read { .. }), "{missing}");
}
