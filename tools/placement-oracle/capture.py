#!/usr/bin/python3
"""Capture expected Placement API answers from the reference implementation.

For each scenario file (default: every tests/Tests/Placement/Scenarios/*.json)
this starts a fresh reference Placement 8.0 (serve.py: new SQLite database,
mounted under /placement), runs the scenario's steps in order and writes
tests/Tests/Placement/Fixtures/<same file name>: the scenario with a
``response`` object added to every step.  The server is stopped afterwards.

  capture.py [SCENARIO.json ...]

Requests
  * ``headers`` are sent exactly as given; the only header added is
    ``Host: localhost`` (unless the step gives one) and ``Content-Length``
    when there is a body.  No Content-Type, Accept or Accept-Encoding is
    added.  With a fixed Host the absolute Location URLs the reference
    builds read ``http://localhost/placement/...``.
  * ``body`` (any JSON value) is sent serialized with json.dumps default
    separators; ``raw_body`` (a string) is sent as-is; neither: no body.
  * ``save`` maps a variable name to ``"location"`` (last path segment of
    the Location header) or ``"body:<field>"`` (a top-level field of the
    JSON response body).  ``{{name}}`` is substituted in the path, header
    values and the serialized body of later steps.

Responses
  * Only these headers are recorded (lower-cased): content-type,
    openstack-api-version, vary, location, cache-control, last-modified,
    allow, x-openstack-request-id; last-modified and x-openstack-request-id
    as the literal "<present>".
  * ``body`` is the parsed JSON response (``text`` null), otherwise ``body``
    is null and ``text`` holds the raw text ("" when empty).
  * Every occurrence of a saved variable's value (headers and body, also
    inside strings) is replaced by ``{{name}}``; every errors[].request_id
    by "<request_id>".  Nothing else is altered.

Output is written with sorted keys, indent 2 and a trailing newline, so
capturing twice gives identical files.  Standard library only.
"""
import argparse
import glob
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PLACEMENT_DIR = os.path.join(REPO, 'tests', 'Tests', 'Placement')
SCENARIOS = os.path.join(PLACEMENT_DIR, 'Scenarios')
FIXTURES = os.path.join(PLACEMENT_DIR, 'Fixtures')
SERVE = os.path.join(HERE, 'serve.py')
# serve.py needs the Python that has the Debian placement packages.
SERVE_PYTHON = '/usr/bin/python3'

DEFAULT_HOST = 'localhost'
RECORDED_HEADERS = ('content-type', 'openstack-api-version', 'vary',
                    'location', 'cache-control', 'last-modified', 'allow',
                    'x-openstack-request-id')
PRESENT_ONLY = ('last-modified', 'x-openstack-request-id')


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server(object):
    """A reference Placement started by serve.py with a fresh database."""

    def __init__(self):
        self.port = free_port()
        self.workdir = tempfile.mkdtemp(prefix='placement-oracle-')
        python = SERVE_PYTHON if os.path.exists(SERVE_PYTHON) else \
            sys.executable
        self.log = open(os.path.join(self.workdir, 'serve.out'), 'wb')
        self.proc = subprocess.Popen(
            [python, SERVE, '--port', str(self.port),
             '--workdir', self.workdir],
            stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout=90):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                conn = http.client.HTTPConnection('127.0.0.1', self.port,
                                                  timeout=5)
                conn.request('GET', '/placement/')
                status = conn.getresponse().status
                conn.close()
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        self.stop()
        raise SystemExit('reference Placement did not start; see %s'
                         % self.logs())

    def logs(self):
        return ', '.join(os.path.join(self.workdir, n)
                         for n in ('serve.out', 'uwsgi.log'))

    def stop(self, remove=True):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        if remove:
            shutil.rmtree(self.workdir, ignore_errors=True)


def substitute(text, variables):
    for name, value in variables.items():
        text = text.replace('{{%s}}' % name, value)
    return text


def normalize(value, variables):
    """Replace saved variable values by {{name}}, recursively."""
    if isinstance(value, str):
        # Longest values first, so a value containing another is kept whole.
        for name, val in sorted(variables.items(),
                                key=lambda kv: (-len(kv[1]), kv[0])):
            value = value.replace(val, '{{%s}}' % name)
        return value
    if isinstance(value, list):
        return [normalize(v, variables) for v in value]
    if isinstance(value, dict):
        return {k: normalize(v, variables) for k, v in value.items()}
    return value


def normalize_request_ids(body):
    if isinstance(body, dict) and isinstance(body.get('errors'), list):
        for err in body['errors']:
            if isinstance(err, dict) and 'request_id' in err:
                err['request_id'] = '<request_id>'


def send(port, method, path, headers, body):
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=60)
    try:
        conn.putrequest(method, path, skip_host=True,
                        skip_accept_encoding=True)
        if not any(k.lower() == 'host' for k in headers):
            conn.putheader('Host', DEFAULT_HOST)
        for name, value in headers.items():
            conn.putheader(name, value)
        if body is not None:
            conn.putheader('Content-Length', str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        data = resp.read()
        raw_headers = resp.getheaders()
        return resp.status, raw_headers, data
    finally:
        conn.close()


def run_step(port, step, variables):
    path = substitute(step['path'], variables)
    headers = {k: substitute(v, variables)
               for k, v in step.get('headers', {}).items()}
    body = None
    if 'body' in step:
        body = substitute(json.dumps(step['body']), variables).encode('utf-8')
    elif 'raw_body' in step:
        body = substitute(step['raw_body'], variables).encode('utf-8')

    status, raw_headers, data = send(port, step['method'], path, headers,
                                     body)

    headers_out = {}
    for name, value in raw_headers:
        name = name.lower()
        if name not in RECORDED_HEADERS:
            continue
        if name in PRESENT_ONLY:
            value = '<present>'
        if name in headers_out and name not in PRESENT_ONLY:
            value = headers_out[name] + ', ' + value
        headers_out[name] = value

    text = data.decode('utf-8')
    try:
        parsed = json.loads(text) if text.strip() else None
        is_json = text.strip() != ''
    except ValueError:
        parsed, is_json = None, False

    for var, source in step.get('save', {}).items():
        if source == 'location':
            loc = dict((k.lower(), v) for k, v in raw_headers).get('location')
            if not loc:
                raise SystemExit('step %r: no Location to save as %s'
                                 % (step['name'], var))
            variables[var] = loc.rstrip('/').rsplit('/', 1)[-1]
        elif source.startswith('body:'):
            field = source[len('body:'):]
            if not (is_json and isinstance(parsed, dict) and field in parsed):
                raise SystemExit('step %r: no body field %r to save as %s'
                                 % (step['name'], field, var))
            variables[var] = str(parsed[field])
        else:
            raise SystemExit('step %r: unknown save source %r'
                             % (step['name'], source))

    if is_json:
        normalize_request_ids(parsed)
    return {
        'status': status,
        'headers': headers_out,
        'body': parsed if is_json else None,
        'text': None if is_json else text,
    }


def capture(scenario_path, fixtures=FIXTURES):
    with open(scenario_path, encoding='utf-8') as f:
        scenario = json.load(f)
    server = Server()
    ok = False
    try:
        server.wait_ready()
        variables = {}
        responses = [run_step(server.port, step, variables)
                     for step in scenario['steps']]
        ok = True
    finally:
        server.stop(remove=ok)
        if not ok:
            sys.stderr.write('server logs kept: %s\n' % server.logs())
    # Normalize once all variables are known, so a value appearing before
    # the step that saves it is replaced too.
    for step, response in zip(scenario['steps'], responses):
        step['response'] = normalize(response, variables)
    out = os.path.join(fixtures, os.path.basename(scenario_path))
    os.makedirs(fixtures, exist_ok=True)
    with open(out, 'w', encoding='utf-8') as f:
        f.write(json.dumps(scenario, sort_keys=True, indent=2,
                           ensure_ascii=False))
        f.write('\n')
    return out, len(responses)


def main():
    p = argparse.ArgumentParser(
        description='Capture Placement fixtures from the reference server.')
    p.add_argument('scenarios', nargs='*',
                   help='scenario files (default: all in %s)'
                        % os.path.relpath(SCENARIOS, REPO))
    p.add_argument('--out', default=FIXTURES,
                   help='folder for the fixtures (default: %s)'
                        % os.path.relpath(FIXTURES, REPO))
    a = p.parse_args()
    paths = a.scenarios or sorted(glob.glob(os.path.join(SCENARIOS,
                                                         '*.json')))
    if not paths:
        raise SystemExit('no scenario files')
    for path in paths:
        out, n = capture(path, a.out)
        print('%s: %d steps -> %s' % (os.path.basename(path), n,
                                      os.path.relpath(out, REPO)))


if __name__ == '__main__':
    main()
