#pragma once
// Every exit status portwatch returns, in one place (docs/cli.md lists them).

namespace portwatch::app {

enum ExitCode : int {
    kExitOk = 0,
    kExitFailure = 1,  // snapshot, history: the data could not be read (message on stderr)
    kExitUsage = 2,    // bad arguments to snapshot/lab/history: usage message on stderr
    // diagnose / analyze follow the Nagios plugin convention:
    kExitWarning = 1,
    kExitCritical = 2,
    kExitUnknown = 3,  // also bad arguments to diagnose/analyze (Nagios guidelines)
    // A write error on standard output ("portwatch: write error: <reason>" on stderr) is
    // kExitFailure for snapshot, --help and --version, kExitUnknown for diagnose, analyze, lab.
};

}  // namespace portwatch::app
