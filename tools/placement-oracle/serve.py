#!/usr/bin/python3
"""Start the reference OpenStack Placement 8.0 (Debian python3-placement)
under uwsgi on 127.0.0.1, mounted under /placement, with a fresh SQLite
database in a work directory.

  serve.py --port 18080 --workdir /tmp/placement-oracle [--processes 1]

The configuration uses ``[api] auth_strategy = noauth2`` and the default
policy.  The application is mounted with ``--mount /placement=...`` and
``--manage-script-name`` so SCRIPT_NAME is ``/placement`` and Location
headers and ``links`` hrefs read ``/placement/resource_providers/...``.

The process execs uwsgi, so its pid is the uwsgi master (SIGTERM stops it).
"""
import argparse
import os
import subprocess
import sys

PLACEMENT_MANAGE = '/usr/bin/placement-manage'

# uwsgi --mount loads a file as WSGI script only when its name ends in .py
# or .wsgi, so the application entry point is written into the work dir.
WSGI_SCRIPT = '''from placement.wsgi import init_application

application = init_application()
'''


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--port', type=int, required=True)
    p.add_argument('--workdir', required=True,
                   help='directory for config, database and log '
                        '(the database in it is recreated)')
    p.add_argument('--processes', type=int, default=1)
    a = p.parse_args()

    workdir = os.path.abspath(a.workdir)
    os.makedirs(workdir, exist_ok=True)
    db = os.path.join(workdir, 'placement.db')
    if os.path.exists(db):
        os.unlink(db)

    # An empty policy file and an empty policy directory: default rules only.
    policy = os.path.join(workdir, 'policy.yaml')
    with open(policy, 'w') as f:
        f.write('# default policy\n')
    policy_d = os.path.join(workdir, 'policy.d')
    os.makedirs(policy_d, exist_ok=True)

    conf = os.path.join(workdir, 'placement.conf')
    with open(conf, 'w') as f:
        f.write('[DEFAULT]\ndebug = False\n'
                '[api]\nauth_strategy = noauth2\n'
                '[placement_database]\nconnection = sqlite:///%s\n'
                '[oslo_policy]\npolicy_file = %s\npolicy_dirs = %s\n'
                % (db, policy, policy_d))

    subprocess.check_call([sys.executable, PLACEMENT_MANAGE,
                           '--config-file', conf, 'db', 'sync'])

    wsgi = os.path.join(workdir, 'placement-api.wsgi')
    with open(wsgi, 'w') as f:
        f.write(WSGI_SCRIPT)

    # placement.wsgi reads placement.conf from this directory.
    os.environ['OS_PLACEMENT_CONFIG_DIR'] = workdir
    cmd = ['uwsgi',
           '--plugin', 'python3,http',
           '--http', '127.0.0.1:%d' % a.port, '--http-keepalive',
           '--mount', '/placement=%s' % wsgi,
           '--manage-script-name',
           '--processes', str(a.processes), '--threads', '1',
           '--master', '--die-on-term', '--lazy-apps', '--need-app',
           '--disable-logging',
           '--logto', os.path.join(workdir, 'uwsgi.log')]
    sys.stdout.flush()
    os.execvp(cmd[0], cmd)


if __name__ == '__main__':
    main()
