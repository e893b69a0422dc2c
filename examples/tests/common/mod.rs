//! Running the real clients the example tests drive.

use std::process::{Command, Output};

/// Runs `cmd` and insists it succeeds (its output in the message when it does not).
pub(crate) fn run(cmd: &str, args: &[&str]) -> Output {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("`{cmd}` could not run ({e}); install it (see .ci/run)"));
    assert!(
        out.status.success(),
        "`{cmd} {}` failed: {}\n{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// [`run`]'s standard output, as text.
pub(crate) fn stdout(cmd: &str, args: &[&str]) -> String {
    String::from_utf8(run(cmd, args).stdout).unwrap()
}
