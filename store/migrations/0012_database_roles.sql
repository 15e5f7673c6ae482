-- Two roles, so the credentials the engine runs with cannot rewrite the record:
--   scls_owner  owns every table, sequence and function (what migrations need);
--   scls_app    what the worker, the console and the CLI connect as (through a login role
--               that is a member of it): it reads everything, appends events, keeps the
--               read models, and may not update, delete or truncate events, nor alter a
--               table (so it cannot disable the append-only trigger), nor change the
--               migrations' record.
-- Both are NOLOGIN: logins are granted them (deploy/README.md; `scls dev` makes `scls`).
-- Roles belong to the whole server, so another database may have made them first, or be
-- making them at this moment: either is fine.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'scls_owner') THEN
        CREATE ROLE scls_owner NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'scls_app') THEN
        CREATE ROLE scls_app NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;

-- Whoever runs the migrations acts for the owner (a superuser already may). USAGE, not
-- MEMBER: from Postgres 16 the role that creates another is made its member without
-- inheriting from it or being able to SET ROLE to it, which handing it tables needs.
DO $$
BEGIN
    IF NOT pg_has_role(current_user, 'scls_owner', 'USAGE') THEN
        EXECUTE format('GRANT scls_owner TO %I', current_user);
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;

GRANT USAGE, CREATE ON SCHEMA public TO scls_owner;
GRANT USAGE ON SCHEMA public TO scls_app;

-- Ownership and privileges for everything in the schema, run again by `scls db migrate`
-- after every migration (store/migrate.py), so tables added later are covered too.
CREATE FUNCTION scls_apply_privileges() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    relation record;
    routine record;
BEGIN
    FOR relation IN
        SELECT c.relname, c.relkind
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public'
          AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
          AND c.relowner <> 'scls_owner'::regrole
          -- a sequence of an identity or serial column follows its table
          AND NOT (c.relkind = 'S' AND EXISTS (
              SELECT FROM pg_depend d
              WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                AND d.deptype IN ('a', 'i')))
    LOOP
        EXECUTE format(
            'ALTER %s %I OWNER TO scls_owner',
            CASE relation.relkind
                WHEN 'S' THEN 'SEQUENCE'
                WHEN 'v' THEN 'VIEW'
                WHEN 'm' THEN 'MATERIALIZED VIEW'
                ELSE 'TABLE'
            END,
            relation.relname);
    END LOOP;
    FOR routine IN
        SELECT p.oid::regprocedure AS signature
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND p.proowner <> 'scls_owner'::regrole
    LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO scls_owner', routine.signature);
    END LOOP;

    GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public TO scls_app;
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO scls_app;
    -- The record: read and append, nothing else.
    REVOKE UPDATE, DELETE, TRUNCATE ON events FROM scls_app;
    REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON schema_migrations FROM scls_app;
    REVOKE ALL ON FUNCTION scls_apply_privileges() FROM PUBLIC;
END $$;

SELECT scls_apply_privileges();
