"""What every client-flow script shares: checks run one by one, each printed as it ends, and the
summary line `N passed, M failed` that the Swift test reads."""

import traceback
import uuid


def plain(error):
    return f"{type(error).__name__}: {error}"


class Checks:
    """Runs checks; an AssertionError or any exception fails one, and the run goes on.

    `describe` words an unexpected exception; `before` runs ahead of every check and
    `after_failure` after a failed one (e.g. to print the last HTTP exchange)."""

    def __init__(self, describe=plain, before=None, after_failure=None):
        self.passed = 0
        self.failed = 0
        self.describe = describe
        self.before = before
        self.after_failure = after_failure

    def run(self, name, fn):
        if self.before:
            self.before()
        try:
            fn()
        except AssertionError as error:
            self.failed += 1
            print(f"FAIL  {name}: {error}", flush=True)
        except Exception as error:  # an unexpected exception is the most telling failure
            self.failed += 1
            print(f"FAIL  {name}: unexpected {self.describe(error)}", flush=True)
            for line in traceback.format_exc().rstrip().splitlines():
                print(f"      {line}", flush=True)
        else:
            self.passed += 1
            print(f"ok    {name}", flush=True)
            return
        if self.after_failure:
            self.after_failure()

    def summary(self):
        """Prints the summary line; the exit status: 0 only when every check passed."""
        print(f"{self.passed} passed, {self.failed} failed", flush=True)
        return 0 if self.failed == 0 else 1


def unique_email(prefix, label):
    return f"{prefix}-{label}-{uuid.uuid4().hex[:12]}@example.com"
