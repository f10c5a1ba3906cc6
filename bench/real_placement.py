#!/usr/bin/python3
"""Start the real OpenStack Placement 8.0 (Debian python3-placement) on
PostgreSQL under uwsgi, as the peer of the Placement benchmark.

  real_placement.py --port 18080 --workdir /tmp/x \
      --pg-url postgresql+psycopg2://postgres@127.0.0.1:5432 \
      --dbname placement_bench [--processes 4]

- The database DBNAME is dropped, created and synced (placement-manage db
  sync) on the PostgreSQL server of --pg-url.
- uwsgi runs --processes worker processes (one thread each) behind its own
  HTTP router with keep-alive (--http ... --http-keepalive), the way a front
  server with keep-alive sits before uwsgi in deployments.
- Placement is served at the root path (/resource_providers), with
  ``[api] auth_strategy = noauth2`` (X-Auth-Token: admin is an admin) and
  the default policy.
- The process execs uwsgi, so its pid is the uwsgi master; SIGTERM stops it
  (--die-on-term). Log: <workdir>/uwsgi.log.

Run it with Debian's /usr/bin/python3: another python3 on PATH may lack
python3-placement and python3-psycopg2.
"""
import argparse
import os
import subprocess
import sys

PLACEMENT_MANAGE = '/usr/bin/placement-manage'
PLACEMENT_API = '/usr/bin/placement-api'  # the WSGI script of the package


def recreate_database(pg_url, dbname):
    import psycopg2
    from sqlalchemy.engine import make_url
    u = make_url(pg_url)
    c = psycopg2.connect(host=u.host, port=u.port, user=u.username,
                         password=u.password, dbname='postgres')
    c.autocommit = True
    cur = c.cursor()
    cur.execute('DROP DATABASE IF EXISTS "%s"' % dbname)
    cur.execute('CREATE DATABASE "%s"' % dbname)
    c.close()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--port', type=int, required=True)
    p.add_argument('--workdir', required=True,
                   help='directory for placement.conf, policy and log')
    p.add_argument('--pg-url', required=True,
                   help='postgresql+psycopg2://USER@HOST:PORT (no database)')
    p.add_argument('--dbname', default='placement_bench')
    p.add_argument('--processes', type=int, default=4)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--listen', type=int, default=128,
                   help='uwsgi socket backlog')
    a = p.parse_args()

    workdir = os.path.abspath(a.workdir)
    os.makedirs(workdir, exist_ok=True)
    recreate_database(a.pg_url, a.dbname)
    connection = '%s/%s' % (a.pg_url.rstrip('/'), a.dbname)

    # An empty policy file and an empty policy directory: default rules only,
    # nothing picked up from /etc/placement.
    policy = os.path.join(workdir, 'policy.yaml')
    with open(policy, 'w') as f:
        f.write('# default policy\n')
    policy_d = os.path.join(workdir, 'policy.d')
    os.makedirs(policy_d, exist_ok=True)

    conf = os.path.join(workdir, 'placement.conf')
    with open(conf, 'w') as f:
        f.write('[DEFAULT]\ndebug = False\n'
                '[api]\nauth_strategy = noauth2\n'
                '[placement_database]\nconnection = %s\n'
                '[oslo_policy]\npolicy_file = %s\npolicy_dirs = %s\n'
                % (connection, policy, policy_d))

    subprocess.check_call([sys.executable, PLACEMENT_MANAGE,
                           '--config-file', conf, 'db', 'sync'])

    # placement.wsgi reads placement.conf from this directory.
    os.environ['OS_PLACEMENT_CONFIG_DIR'] = workdir
    cmd = ['uwsgi',
           '--plugin', 'python3,http',
           '--http', '127.0.0.1:%d' % a.port, '--http-keepalive',
           '--wsgi-file', PLACEMENT_API,
           '--processes', str(a.processes), '--threads', str(a.threads),
           '--master', '--die-on-term', '--lazy-apps', '--need-app',
           '--disable-logging', '--listen', str(a.listen),
           '--logto', os.path.join(workdir, 'uwsgi.log')]
    sys.stdout.flush()
    os.execvp(cmd[0], cmd)


if __name__ == '__main__':
    main()
