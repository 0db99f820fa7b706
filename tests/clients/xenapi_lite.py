"""A small XenAPI session in the style of the official XenAPI.py binding.

Written for Lagoon's client-fidelity tests; standard library only.  It
behaves like the official Python binding on the wire: an
xmlrpc.client.ServerProxy underneath, `session.login_with_password(user,
password, version, originator)`, the session reference prepended to every
other call, `{Status, Value}` envelopes unwrapped and failures raised with
their ErrorDescription, and method names built by attribute chaining
(`session.xenapi.VM.get_all_records()`).

Run as a script it prints, as JSON, the number of records every
`<class>.get_all_records` call listed by `system.listMethods` returns:

    python3 xenapi_lite.py --counts URL USER PASSWORD
"""

import json
import sys
import xmlrpc.client

API_VERSION = "2.20"
ORIGINATOR = "lagoon-client-tests"


class Failure(Exception):
    """A XenAPI failure: `details` is the ErrorDescription [CODE, params...]."""

    def __init__(self, details):
        super().__init__(details)
        self.details = list(details) if isinstance(details, (list, tuple)) else [str(details)]

    @property
    def code(self):
        return self.details[0] if self.details else ""

    @property
    def params(self):
        return self.details[1:]

    def __str__(self):
        return "XenAPI failure %s" % (self.details,)


class ProtocolError(Exception):
    """The reply was not a XenAPI envelope at all."""


def unwrap(reply):
    """Returns Value of a Success envelope, raises Failure for a Failure one."""
    if not isinstance(reply, dict) or "Status" not in reply:
        raise ProtocolError("reply is not a {Status, Value} struct: %r" % (reply,))
    status = reply["Status"]
    if status == "Success":
        if "Value" not in reply:
            raise ProtocolError("Success envelope without Value: %r" % (reply,))
        return reply["Value"]
    if status == "Failure":
        if "ErrorDescription" not in reply:
            raise ProtocolError("Failure envelope without ErrorDescription: %r" % (reply,))
        raise Failure(reply["ErrorDescription"])
    raise ProtocolError("unknown Status %r" % (status,))


class _Method:
    """One step of `session.xenapi.Class.message` attribute chaining."""

    def __init__(self, send, name):
        self._send = send
        self._name = name

    def __getattr__(self, part):
        if part.startswith("__"):
            raise AttributeError(part)
        return _Method(self._send, "%s.%s" % (self._name, part) if self._name else part)

    def __call__(self, *args):
        return self._send(self._name, args)


class Session(xmlrpc.client.ServerProxy):
    """A XenAPI session over XML-RPC.

    With retry_on_session_invalid=True (what the official binding does) a
    SESSION_INVALID answer logs in again with the saved credentials and retries
    the call, up to three times.
    """

    def __init__(self, uri, retry_on_session_invalid=False, timeout=30.0):
        transport = _TimeoutTransport(timeout)
        super().__init__(uri, transport=transport, allow_none=True)
        self._session = None
        self._credentials = None
        self._login_method = None
        self._retry = retry_on_session_invalid
        self.last_login_params = None

    # ServerProxy resolves unknown attributes through __getattr__, so the
    # XenAPI names are routed here first.
    def __getattr__(self, name):
        if name == "handle":
            return self._session
        if name == "xenapi":
            return _Method(self._xenapi_request, "")
        if name.startswith("login") or name.startswith("slave_local"):
            return lambda *params: self._login(name, params)
        if name == "logout":
            return self._logout
        return xmlrpc.client.ServerProxy.__getattr__(self, name)

    def close(self):
        """Closes the HTTP connection (the session stays valid)."""
        xmlrpc.client.ServerProxy.__call__(self, "close")()

    def raw(self, method, *params):
        """Calls `method` exactly as given and returns the raw reply."""
        return xmlrpc.client.ServerProxy.__getattr__(self, method)(*params)

    def _login(self, method, params):
        reply = self.raw("session.%s" % method, *params)
        self._session = unwrap(reply)
        self._login_method = method
        self._credentials = params
        self.last_login_params = params
        return self._session

    def _logout(self):
        try:
            if self._login_method and self._login_method.startswith("slave_local"):
                return unwrap(self.raw("session.local_logout", self._session))
            return unwrap(self.raw("session.logout", self._session))
        finally:
            self._session = None
            self._credentials = None
            self._login_method = None

    def _xenapi_request(self, method, params):
        if method.startswith("login") or method.startswith("slave_local"):
            return self._login(method, params)
        if method in ("logout", "session.logout"):
            return self._logout()
        tries = 0
        while True:
            try:
                return unwrap(self.raw(method, self._session, *params))
            except Failure as failure:
                if (self._retry and failure.code == "SESSION_INVALID"
                        and self._credentials is not None and tries < 3):
                    tries += 1
                    self._login(self._login_method, self._credentials)
                    continue
                raise


class _TimeoutTransport(xmlrpc.client.Transport):
    def __init__(self, timeout):
        super().__init__()
        self._timeout = timeout

    def make_connection(self, host):
        conn = super().make_connection(host)
        conn.timeout = self._timeout
        return conn


def login(url, user, password, retry_on_session_invalid=False):
    session = Session(url, retry_on_session_invalid=retry_on_session_invalid)
    session.xenapi.login_with_password(user, password, API_VERSION, ORIGINATOR)
    return session


def record_classes(session):
    """Class names that have a get_all_records message, from system.listMethods."""
    methods = session.raw("system.listMethods")
    if not isinstance(methods, list):
        raise ProtocolError("system.listMethods did not return an array: %r" % (methods,))
    suffix = ".get_all_records"
    return sorted({m[: -len(suffix)] for m in methods
                   if m.endswith(suffix) and not m.startswith("Async.")})


def count_all(session, classes=None):
    """Maps class name to len(get_all_records); a failure is recorded as its code."""
    if classes is None:
        classes = record_classes(session)
    counts = {}
    for cls in classes:
        try:
            records = getattr(session.xenapi, cls).get_all_records()
            counts[cls] = len(records)
        except Failure as failure:
            counts[cls] = "failure:" + failure.code
    return counts


def _main(argv):
    if len(argv) != 5 or argv[1] != "--counts":
        sys.stderr.write("usage: %s --counts URL USER PASSWORD\n" % argv[0])
        return 2
    session = login(argv[2], argv[3], argv[4])
    try:
        json.dump(count_all(session), sys.stdout, sort_keys=True)
        sys.stdout.write("\n")
    finally:
        session.xenapi.logout()
        session.close()
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv))
