-- PostgreSQL for a chain's relay: a login role and a database it owns (docs/deploy-relay.md).
--
--   sudo -u postgres psql -v password='a-long-random-password' -f deploy/postgresql-setup.sql
--   (optional: -v role=… -v db=… for other names than pharmacy_desk_relay)
--
-- Then, in /etc/pharmacy-desk/relay.env:
--   PHARMACY_DESK_RELAY__DATABASE_URL=postgresql+asyncpg://pharmacy_desk_relay:PASSWORD@db-host:5432/pharmacy_desk_relay
-- (add ?ssl=require when the database is on another host) and create the schema:
--   pharmacy-desk-relay --config /etc/pharmacy-desk/relay.toml migrate      (serve does it too)
\set ON_ERROR_STOP on
\if :{?role}
\else
  \set role pharmacy_desk_relay
\endif
\if :{?db}
\else
  \set db pharmacy_desk_relay
\endif
\if :{?password}
\else
  \echo 'give the password: psql -v password=... -f postgresql-setup.sql'
  \quit
\endif

CREATE ROLE :"role" LOGIN PASSWORD :'password' NOSUPERUSER NOCREATEDB NOCREATEROLE;
CREATE DATABASE :"db" OWNER :"role" ENCODING 'UTF8' TEMPLATE template0;
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"db" TO :"role";

\connect :"db"
-- the relay's tables live in public, owned by the relay's role; nobody else may create there
ALTER SCHEMA public OWNER TO :"role";
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
