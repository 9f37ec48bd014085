//! The Debian package (SPEC §11), built by `scripts/package.sh` (which
//! `make test` runs first, with lintian and systemd-analyze): unpacked into
//! a throwaway root, its binary answers `--version` and migrates a fresh
//! private cluster; its unit is hardened and its settings file a conffile.

use std::path::PathBuf;

use crate::helpers::scratch_dir;

fn the_deb() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/debian");
    std::fs::read_dir(&dir)
        .ok()
        .into_iter()
        .flatten()
        .filter_map(|entry| Some(entry.ok()?.path()))
        .find(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.starts_with("tandem_") && name.ends_with("_amd64.deb"))
        })
        .expect("no tandem_*_amd64.deb in target/debian: run scripts/package.sh (make test does)")
}

fn run(program: &str, args: &[&std::ffi::OsStr]) -> std::process::Output {
    std::process::Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|error| panic!("running {program}: {error}"))
}

#[test]
fn the_package_unpacks_into_a_throwaway_root_and_its_binary_migrates_a_database() {
    let deb = the_deb();
    let root = scratch_dir("deb-root");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    let unpacked = run(
        "dpkg-deb",
        &["-x".as_ref(), deb.as_os_str(), root.as_os_str()],
    );
    assert!(unpacked.status.success());
    let control = root.join("DEBIAN");
    let extracted = run(
        "dpkg-deb",
        &["-e".as_ref(), deb.as_os_str(), control.as_os_str()],
    );
    assert!(extracted.status.success());

    let conffiles = std::fs::read_to_string(control.join("conffiles")).unwrap();
    assert!(
        conffiles
            .lines()
            .any(|line| line == "/etc/tandem/tandem.env")
    );
    let fields = std::fs::read_to_string(control.join("control")).unwrap();
    assert!(fields.contains("Package: tandem") && fields.contains("Depends:"));

    let unit = ["lib/systemd/system", "usr/lib/systemd/system"]
        .iter()
        .map(|dir| root.join(dir).join("tandem.service"))
        .find(|path| path.exists())
        .expect("the packaged unit");
    let unit = std::fs::read_to_string(unit).unwrap();
    for line in [
        "User=tandem",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "StateDirectory=tandem",
        "ExecStart=/usr/bin/tandem serve",
    ] {
        assert!(unit.lines().any(|l| l == line), "the unit lacks {line}");
    }
    let timer = unit_dirs(&root)
        .map(|dir| dir.join("tandem-backup.timer"))
        .any(|path| path.exists());
    assert!(timer, "the backup timer is packaged");

    let binary = root.join("usr/bin/tandem");
    let version = run(binary.to_str().unwrap(), &["--version".as_ref()]);
    assert!(version.status.success());
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("tandem {}", env!("CARGO_PKG_VERSION"))
    );
    let data = scratch_dir("deb-data");
    let _ = std::fs::remove_dir_all(&data);
    let migrated = std::process::Command::new(&binary)
        .arg("migrate")
        .env("TANDEM_DATA_DIR", &data)
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(
        migrated.status.success(),
        "{}",
        String::from_utf8_lossy(&migrated.stderr)
    );
    assert!(String::from_utf8_lossy(&migrated.stdout).contains("Migrations applied."));
    // The cluster it started is stopped again when the command ends.
    let cluster = tandem::pg_cluster::Cluster::new(
        tandem::pg_cluster::ServerPrograms::locate().unwrap(),
        data.join("postgres"),
    )
    .unwrap();
    assert!(!cluster.is_running().unwrap());
}

fn unit_dirs(root: &std::path::Path) -> impl Iterator<Item = PathBuf> + '_ {
    ["lib/systemd/system", "usr/lib/systemd/system"]
        .into_iter()
        .map(|dir| root.join(dir))
}
