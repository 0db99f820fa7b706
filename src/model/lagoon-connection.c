/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-connection"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "lagoon-connection.h"
#include "lagoon-context.h"
#include "lagoon-http-client.h"
#include "lagoon-ssh-opener.h"
#include "lagoon-transport-error.h"
#include "lagoon-xenapi-error.h"
#include "lagoon-xmlrpc.h"

#define EVENT_CHUNK        2000 /* events handed to the main thread at a time */
#define MAX_PENDING_CHUNKS 4    /* the worker waits when the main thread lags this far */
#define MAX_REDIRECTS      4

struct _LagoonConnection
{
  GObject                parent_instance;

  /* Set at construction, then read-only. */
  LagoonStreamOpener    *opener;
  char                  *initial_host;
  guint16                port;
  gboolean               tls;
  GMainContext          *main_context;
  LagoonCache           *cache;

  /* Main thread. */
  LagoonConnectionState  state;
  char                  *status;
  GError                *error;
  gint64                 started_us;
  gint64                 login_ms;
  gint64                 ready_ms;
  guint64                events_received;
  gulong                 batch_handler;

  /* Shared with the workers, under mutex. */
  GMutex                 mutex;
  GCond                  cond;
  char                  *user;
  char                  *password;
  char                  *host;
  char                  *session_ref;
  GStrv                  members;
  LagoonHttpClient      *calls;
  GThread               *thread;
  GCancellable          *cancellable;
  gboolean               stopping;
  guint                  pending_chunks;
  guint                  backoff_initial_ms;
  guint                  backoff_max_ms;
  double                 event_timeout;
  guint                  generation; /* bumped by each connect(), so stale posts are dropped */
};

G_DEFINE_FINAL_TYPE (LagoonConnection, lagoon_connection, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STATE,
  PROP_STATUS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---- main-thread updates posted by the worker --------------------------------------------- */

typedef struct
{
  LagoonConnection      *self;
  guint                  generation;
  LagoonConnectionState  state;
  char                  *status;
  GError                *error;
  gboolean               login_done;
  gboolean               ready;
} StatePost;

static gboolean
apply_state (gpointer data)
{
  StatePost *p = data;
  LagoonConnection *self = p->self;

  if (p->generation == self->generation)
    {
      gint64 elapsed = (g_get_monotonic_time () - self->started_us) / 1000;

      if (p->login_done && self->login_ms < 0)
        self->login_ms = elapsed;
      if (p->ready && self->ready_ms < 0)
        self->ready_ms = elapsed;
      if (p->error != NULL || p->state == LAGOON_CONNECTION_CONNECTED)
        {
          g_clear_error (&self->error);
          self->error = g_steal_pointer (&p->error);
        }
      if (g_strcmp0 (self->status, p->status) != 0)
        {
          g_free (self->status);
          self->status = g_steal_pointer (&p->status);
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
        }
      if (self->state != p->state)
        {
          self->state = p->state;
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
        }
    }
  g_object_unref (p->self);
  g_free (p->status);
  g_clear_error (&p->error);
  g_free (p);
  return G_SOURCE_REMOVE;
}

static void
post_state (LagoonConnection      *self,
            guint                  generation,
            LagoonConnectionState  state,
            char                  *status,  /* taken */
            const GError          *error,
            gboolean               login_done,
            gboolean               ready)
{
  StatePost *p = g_new0 (StatePost, 1);

  g_debug ("%s", status);
  p->self = g_object_ref (self);
  p->generation = generation;
  p->state = state;
  p->status = status;
  p->error = error ? g_error_copy (error) : NULL;
  p->login_done = login_done;
  p->ready = ready;
  lagoon_context_post (self->main_context, apply_state, p, NULL);
}

/* ---- events ---------------------------------------------------------------------------------- */

typedef struct
{
  char          *klass;
  LagoonCacheOp  op;
  char          *ref;
  GVariant      *snapshot;
} EventItem;

static void
event_item_free (EventItem *e)
{
  g_free (e->klass);
  g_free (e->ref);
  g_clear_pointer (&e->snapshot, g_variant_unref);
  g_free (e);
}

typedef enum {
  CHUNK_BEGIN  = 1 << 0, /* first chunk of a reply: open the batch */
  CHUNK_END    = 1 << 1, /* last chunk: close it */
  CHUNK_RESYNC = 1 << 2, /* the batch is a full resync (token "") */
  CHUNK_ABORT  = 1 << 3, /* the reply broke off: close without sweeping */
  CHUNK_READY  = 1 << 4, /* the cache is complete for the first time */
} ChunkFlags;

typedef struct
{
  LagoonConnection *self;
  guint             generation;
  GPtrArray        *items;
  guint             flags;
} Chunk;

static void
collect_members (LagoonConnection *self)
{
  g_autoptr(GPtrArray) hosts = lagoon_cache_list (self->cache, LAGOON_CLASS_HOST);
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();

  for (guint i = 0; i < hosts->len; i++)
    {
      const char *addr = lagoon_record_get_string (hosts->pdata[i], LAGOON_HOST_ADDRESS);
      if (addr != NULL && *addr != '\0')
        g_strv_builder_add (b, addr);
    }
  g_mutex_lock (&self->mutex);
  g_strfreev (self->members);
  self->members = g_strv_builder_end (b);
  g_mutex_unlock (&self->mutex);
}

static gboolean
apply_chunk (gpointer data)
{
  Chunk *c = data;
  LagoonConnection *self = c->self;

  if (c->generation == self->generation)
    {
      if (c->flags & CHUNK_BEGIN)
        {
          if (c->flags & CHUNK_RESYNC)
            lagoon_cache_begin_resync (self->cache);
          else
            lagoon_cache_begin_batch (self->cache);
        }
      for (guint i = 0; i < c->items->len; i++)
        {
          EventItem *e = c->items->pdata[i];
          lagoon_cache_apply (self->cache, e->klass, e->op, e->ref, e->snapshot);
        }
      self->events_received += c->items->len;
      if (c->flags & CHUNK_ABORT)
        {
          if (c->flags & CHUNK_RESYNC)
            lagoon_cache_abort_resync (self->cache);
          else
            lagoon_cache_end_batch (self->cache);
        }
      else if (c->flags & CHUNK_END)
        {
          if (c->flags & CHUNK_RESYNC)
            {
              lagoon_cache_end_resync (self->cache);
              collect_members (self);
            }
          else
            lagoon_cache_end_batch (self->cache);
        }
      if (c->flags & CHUNK_READY && self->ready_ms < 0)
        self->ready_ms = (g_get_monotonic_time () - self->started_us) / 1000;
    }

  g_mutex_lock (&self->mutex);
  self->pending_chunks--;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);

  g_ptr_array_unref (c->items);
  g_object_unref (c->self);
  g_free (c);
  return G_SOURCE_REMOVE;
}

typedef struct
{
  LagoonConnection *self;
  guint             generation;
  GPtrArray        *items;
  gboolean          resync;
  gboolean          begun;
} Collector;

static void
flush_chunk (Collector *col,
             guint      extra_flags)
{
  LagoonConnection *self = col->self;
  Chunk *c;

  if (!col->begun && (extra_flags & CHUNK_ABORT))
    {
      /* Nothing was opened: drop what was collected, no batch to close. */
      g_ptr_array_set_size (col->items, 0);
      return;
    }

  g_mutex_lock (&self->mutex);
  while (self->pending_chunks >= MAX_PENDING_CHUNKS && !self->stopping)
    g_cond_wait (&self->cond, &self->mutex);
  self->pending_chunks++;
  g_mutex_unlock (&self->mutex);

  c = g_new0 (Chunk, 1);
  c->self = g_object_ref (self);
  c->generation = col->generation;
  c->items = g_steal_pointer (&col->items);
  c->flags = extra_flags | (col->resync ? CHUNK_RESYNC : 0) | (col->begun ? 0 : CHUNK_BEGIN);
  col->begun = TRUE;
  col->items = g_ptr_array_new_with_free_func ((GDestroyNotify) event_item_free);
  lagoon_context_post (self->main_context, apply_chunk, c, NULL);
}

/* Queues one change (taking @snapshot) and hands a full chunk to the main thread. */
static void
collect (Collector     *col,
         const char    *klass,
         LagoonCacheOp  op,
         const char    *ref,
         GVariant      *snapshot)
{
  EventItem *e = g_new0 (EventItem, 1);

  e->klass = g_strdup (klass);
  e->op = op;
  e->ref = g_strdup (ref);
  e->snapshot = snapshot;
  g_ptr_array_add (col->items, e);
  if (col->items->len >= EVENT_CHUNK)
    flush_chunk (col, 0);
}

static gboolean
on_event (const char  *key,
          GVariant    *value,
          gpointer     user_data,
          GError     **error)
{
  Collector *col = user_data;
  const char *klass = NULL, *operation = NULL, *ref = NULL;
  GVariant *snapshot = NULL;
  LagoonCacheOp op;

  if (!g_variant_is_of_type (value, G_VARIANT_TYPE_VARDICT) ||
      !g_variant_lookup (value, "class", "&s", &klass) ||
      !g_variant_lookup (value, "operation", "&s", &operation) ||
      !g_variant_lookup (value, "ref", "&s", &ref) ||
      !lagoon_cache_op_from_string (operation, &op))
    {
      /* A malformed event is skipped, not fatal: the next resync repairs what it missed. */
      g_debug ("Skipping a malformed event");
      return TRUE;
    }

  if (op != LAGOON_CACHE_OP_DEL)
    {
      snapshot = g_variant_lookup_value (value, "snapshot", G_VARIANT_TYPE_VARDICT);
      if (snapshot == NULL)
        return TRUE;
    }
  collect (col, klass, op, ref, snapshot);
  return TRUE;
}

/* ---- the worker ------------------------------------------------------------------------------- */

static gboolean
is_fatal_error (const GError *error)
{
  if (error->domain == LAGOON_XENAPI_ERROR)
    {
      const char *code = lagoon_xenapi_error_get_code_string (error);
      return g_strcmp0 (code, "SESSION_AUTHENTICATION_FAILED") == 0 ||
             g_strcmp0 (code, "SESSION_AUTHORIZATION_FAILED") == 0 ||
             g_strcmp0 (code, "RBAC_PERMISSION_DENIED") == 0;
    }
  if (error->domain == LAGOON_SSH_ERROR)
    return error->code == LAGOON_SSH_ERROR_HOST_KEY_UNKNOWN ||
           error->code == LAGOON_SSH_ERROR_HOST_KEY_CHANGED ||
           error->code == LAGOON_SSH_ERROR_PASSWORD_NEEDED ||
           error->code == LAGOON_SSH_ERROR_PASSPHRASE_NEEDED ||
           error->code == LAGOON_SSH_ERROR_AUTH_FAILED;
  if (error->domain == LAGOON_TRANSPORT_ERROR)
    return error->code == LAGOON_TRANSPORT_ERROR_CERTIFICATE ||
           error->code == LAGOON_TRANSPORT_ERROR_HOST_KEY_CHANGED ||
           error->code == LAGOON_TRANSPORT_ERROR_HOST_KEY_UNKNOWN;
  return FALSE;
}

static gboolean
xenapi_code_is (const GError *error,
                const char   *code)
{
  return error != NULL && error->domain == LAGOON_XENAPI_ERROR &&
         g_strcmp0 (lagoon_xenapi_error_get_code_string (error), code) == 0;
}

/* A sentence for the user; the UI may show more from the GError. */
static char *
describe (const GError *error)
{
  char *text = error->domain == LAGOON_XENAPI_ERROR ? lagoon_xenapi_error_describe (error)
                                                    : g_strdup (error->message);
  gsize len = strlen (text);

  /* The sentences around it supply their own full stop. */
  while (len > 0 && (text[len - 1] == '.' || g_ascii_isspace (text[len - 1])))
    text[--len] = '\0';
  return text;
}

static gboolean
stopping (LagoonConnection *self)
{
  gboolean ret;

  g_mutex_lock (&self->mutex);
  ret = self->stopping;
  g_mutex_unlock (&self->mutex);
  return ret;
}

static LagoonHttpClient *
new_client (LagoonConnection *self,
            const char       *host,
            guint             timeout_ms)
{
  LagoonHttpClient *client = lagoon_http_client_new (self->opener, host, self->port, self->tls);

  lagoon_http_client_set_timeout (client, timeout_ms);
  return client;
}

static GVariant *
login_args (LagoonConnection *self)
{
  GVariant *args;

  g_mutex_lock (&self->mutex);
  args = g_variant_new ("(ssss)", self->user ? self->user : "root",
                        self->password ? self->password : "", LAGOON_XENAPI_VERSION,
                        "Lagoon " PACKAGE_VERSION);
  g_mutex_unlock (&self->mutex);
  return args;
}

/* Logs in at @start, following HOST_IS_SLAVE; on success the session, host and call
 * client are set. */
static gboolean
login_at (LagoonConnection  *self,
          guint              generation,
          const char        *start,
          GCancellable      *cancellable,
          GError           **error)
{
  g_autofree char *host = g_strdup (start);

  for (guint hop = 0; hop <= MAX_REDIRECTS; hop++)
    {
      g_autoptr(LagoonHttpClient) client = new_client (self, host, 60000);
      g_autoptr(GError) local_error = NULL;
      g_autoptr(GVariant) result = NULL;

      result = lagoon_xmlrpc_call (client, "/", "session.login_with_password", login_args (self),
                                   cancellable, &local_error);
      if (result != NULL)
        {
          if (!g_variant_is_of_type (result, G_VARIANT_TYPE_STRING))
            {
              g_set_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_PROTOCOL,
                           _("%s answered the login with something that is not a session"),
                           host);
              return FALSE;
            }
          g_mutex_lock (&self->mutex);
          g_free (self->host);
          self->host = g_strdup (host);
          g_free (self->session_ref);
          self->session_ref = g_variant_dup_string (result, NULL);
          g_set_object (&self->calls, client);
          g_mutex_unlock (&self->mutex);
          return TRUE;
        }

      if (xenapi_code_is (local_error, "HOST_IS_SLAVE"))
        {
          const char *coordinator = lagoon_xenapi_error_get_param (local_error, 0);
          if (coordinator == NULL || *coordinator == '\0')
            break;
          post_state (self, generation, LAGOON_CONNECTION_CONNECTING,
                      g_strdup_printf (_("%s is a pool member; connecting to the pool "
                                         "coordinator %s"), host, coordinator),
                      NULL, FALSE, FALSE);
          g_free (host);
          host = g_strdup (coordinator);
          continue;
        }
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  g_set_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_PROTOCOL,
               _("The pool redirected the login too many times (last to %s)"), host);
  return FALSE;
}

/* Tries the current coordinator, then every other member it knows of. */
static gboolean
login (LagoonConnection  *self,
       guint              generation,
       GCancellable      *cancellable,
       GError           **error)
{
  g_autoptr(GPtrArray) candidates = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) first_error = NULL;

  g_mutex_lock (&self->mutex);
  g_ptr_array_add (candidates, g_strdup (self->host));
  for (guint i = 0; self->members && self->members[i]; i++)
    if (g_strcmp0 (self->members[i], self->host) != 0)
      g_ptr_array_add (candidates, g_strdup (self->members[i]));
  g_mutex_unlock (&self->mutex);

  for (guint i = 0; i < candidates->len; i++)
    {
      g_autoptr(GError) local_error = NULL;

      if (login_at (self, generation, candidates->pdata[i], cancellable, &local_error))
        return TRUE;
      if (is_fatal_error (local_error) ||
          g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_debug ("Login at %s failed: %s", (char *) candidates->pdata[i], local_error->message);
      if (first_error == NULL)
        first_error = g_steal_pointer (&local_error);
    }
  g_propagate_error (error, g_steal_pointer (&first_error));
  return FALSE;
}

/* Waits @ms or until disconnect(); returns FALSE when stopping. */
static gboolean
wait_backoff (LagoonConnection *self,
              guint             ms)
{
  gint64 until = g_get_monotonic_time () + (gint64) ms * 1000;
  gboolean ret;

  g_mutex_lock (&self->mutex);
  while (!self->stopping && g_cond_wait_until (&self->cond, &self->mutex, until))
    ;
  ret = !self->stopping;
  g_mutex_unlock (&self->mutex);
  return ret;
}

/* Replaces *@token with the one in an event.from reply. */
static gboolean
take_token (GVariant  *reply,
            char     **token,
            GError   **error)
{
  const char *new_token = NULL;

  if (!g_variant_is_of_type (reply, G_VARIANT_TYPE_VARDICT) ||
      !g_variant_lookup (reply, "token", "&s", &new_token))
    {
      g_set_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_PROTOCOL,
                   _("The reply to event.from has no token"));
      return FALSE;
    }
  g_free (*token);
  *token = g_strdup (new_token);
  return TRUE;
}

typedef struct
{
  Collector  *col;
  const char *klass;
} RecordSink;

static gboolean
on_record (const char  *key,
           GVariant    *value,
           gpointer     user_data,
           GError     **error)
{
  RecordSink *sink = user_data;

  if (key != NULL && g_variant_is_of_type (value, G_VARIANT_TYPE_VARDICT))
    collect (sink->col, sink->klass, LAGOON_CACHE_OP_ADD, key, g_variant_ref (value));
  return TRUE;
}

/* The first load: a token first, then every class's get_all_records, streamed into one
 * resync batch. xapi's tokens are global, so a token taken with a small subscription is
 * good for "*"; whatever changes between the token and the records comes again as events.
 * This moves about half the bytes of event.from from an empty token, which wraps every
 * record in an event. */
static gboolean
initial_load (LagoonConnection  *self,
              guint              generation,
              LagoonHttpClient  *client,
              char             **token,
              GCancellable      *cancellable,
              GError           **error)
{
  g_autofree char *session = lagoon_connection_dup_session_ref (self);
  const char *pool_only[] = { "pool", NULL };
  g_autoptr(GVariant) first = NULL;
  g_autofree char *new_token = NULL;
  Collector col = { self, generation, NULL, TRUE, FALSE };

  first = lagoon_xmlrpc_call (client, "/", "event.from",
                              g_variant_new ("(s^assd)", session, pool_only, "", 0.0),
                              cancellable, error);
  if (first == NULL || !take_token (first, &new_token, error))
    return FALSE;

  col.items = g_ptr_array_new_with_free_func ((GDestroyNotify) event_item_free);
  for (guint c = 0; c < lagoon_schema_n_classes; c++)
    {
      const LagoonSchemaClass *klass = &lagoon_schema_classes[c];
      g_autofree char *method = NULL;
      g_autoptr(GVariant) rest = NULL;
      g_autoptr(GError) local_error = NULL;
      RecordSink sink = { &col, klass->name };

      if (!(klass->flags & LAGOON_CLASS_EVENTS) ||
          lagoon_schema_find_message (klass, "get_all_records") == NULL)
        continue;
      method = g_strdup_printf ("%s.get_all_records", klass->name);
      rest = lagoon_xmlrpc_call_streaming (client, "/", method,
                                           g_variant_new ("(s)", session), "", on_record, &sink,
                                           cancellable, &local_error);
      if (rest != NULL)
        continue;
      /* Older servers lack newer classes. */
      if (xenapi_code_is (local_error, "MESSAGE_METHOD_UNKNOWN") ||
          xenapi_code_is (local_error, "MESSAGE_REMOVED"))
        continue;
      g_propagate_error (error, g_steal_pointer (&local_error));
      flush_chunk (&col, CHUNK_ABORT | CHUNK_END);
      g_ptr_array_unref (col.items);
      return FALSE;
    }

  flush_chunk (&col, CHUNK_END | CHUNK_READY);
  g_ptr_array_unref (col.items);
  g_free (*token);
  *token = g_steal_pointer (&new_token);
  return TRUE;
}

/* One event.from round trip from a token: the events go to the main thread as one batch.
 * (Resyncs, from no token, go through initial_load.) */
static gboolean
event_round (LagoonConnection  *self,
             guint              generation,
             LagoonHttpClient  *client,
             char             **token,
             GCancellable      *cancellable,
             GError           **error)
{
  g_autoptr(GVariant) rest = NULL;
  g_autofree char *session = lagoon_connection_dup_session_ref (self);
  const char *classes[] = { "*", NULL };
  Collector col = { self, generation, NULL, FALSE, FALSE };
  double timeout;

  g_mutex_lock (&self->mutex);
  timeout = self->event_timeout;
  g_mutex_unlock (&self->mutex);

  col.items = g_ptr_array_new_with_free_func ((GDestroyNotify) event_item_free);
  rest = lagoon_xmlrpc_call_streaming (client, "/", "event.from",
                                       g_variant_new ("(s^assd)", session, classes, *token,
                                                      timeout),
                                       "events", on_event, &col, cancellable, error);
  if (rest == NULL || !take_token (rest, token, error))
    {
      flush_chunk (&col, CHUNK_ABORT | CHUNK_END);
      g_ptr_array_unref (col.items);
      return FALSE;
    }

  if (col.begun || col.items->len > 0)
    flush_chunk (&col, CHUNK_END);
  g_ptr_array_unref (col.items);
  return TRUE;
}

static gpointer
connection_thread (gpointer data)
{
  LagoonConnection *self = data;
  g_autoptr(GCancellable) cancellable = NULL;
  guint generation;
  guint backoff;
  gboolean ever_connected = FALSE;

  g_mutex_lock (&self->mutex);
  cancellable = g_object_ref (self->cancellable);
  generation = self->generation;
  backoff = self->backoff_initial_ms;
  g_mutex_unlock (&self->mutex);

  while (!stopping (self))
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(LagoonHttpClient) events = NULL;
      g_autofree char *host = lagoon_connection_dup_host (self);
      g_autofree char *token = g_strdup ("");
      gboolean relogin = FALSE;
      guint backoff_max;

      post_state (self, generation,
                  ever_connected ? LAGOON_CONNECTION_RECONNECTING : LAGOON_CONNECTION_CONNECTING,
                  g_strdup_printf (_("Connecting to %s…"), host), NULL, FALSE, FALSE);

      if (!login (self, generation, cancellable, &error))
        {
          g_autofree char *why = NULL;

          if (stopping (self))
            break;
          why = describe (error);
          if (is_fatal_error (error))
            {
              post_state (self, generation, LAGOON_CONNECTION_FAILED,
                          g_strdup_printf (_("Could not connect to %s: %s."), host, why),
                          error, FALSE, FALSE);
              break;
            }
          post_state (self, generation,
                      ever_connected ? LAGOON_CONNECTION_RECONNECTING
                                     : LAGOON_CONNECTION_CONNECTING,
                      g_strdup_printf (_("Could not connect to %s: %s. Trying again in %u s."),
                                       host, why, MAX (backoff / 1000, 1)),
                      error, FALSE, FALSE);
          if (!wait_backoff (self, backoff))
            break;
          g_mutex_lock (&self->mutex);
          backoff_max = self->backoff_max_ms;
          g_mutex_unlock (&self->mutex);
          backoff = MIN (backoff * 2, backoff_max);
          continue;
        }

      g_clear_pointer (&host, g_free);
      host = lagoon_connection_dup_host (self);
      post_state (self, generation,
                  ever_connected ? LAGOON_CONNECTION_RECONNECTING : LAGOON_CONNECTION_CONNECTING,
                  g_strdup_printf (_("Loading the objects of %s…"), host), NULL, TRUE, FALSE);

      g_mutex_lock (&self->mutex);
      events = new_client (self, host, (guint) (self->event_timeout * 1000) + 60000);
      g_mutex_unlock (&self->mutex);

      while (!stopping (self))
        {
          gboolean was_resync = *token == '\0';

          g_clear_error (&error);
          if (was_resync ? initial_load (self, generation, events, &token, cancellable, &error)
                         : event_round (self, generation, events, &token, cancellable, &error))
            {
              if (was_resync)
                {
                  ever_connected = TRUE;
                  g_mutex_lock (&self->mutex);
                  backoff = self->backoff_initial_ms;
                  g_mutex_unlock (&self->mutex);
                  post_state (self, generation, LAGOON_CONNECTION_CONNECTED,
                              g_strdup_printf (_("Connected to %s"), host), NULL, FALSE, TRUE);
                }
              continue;
            }
          if (stopping (self))
            break;
          if (xenapi_code_is (error, "EVENTS_LOST") ||
              xenapi_code_is (error, "EVENT_FROM_TOKEN_PARSE_FAILURE"))
            {
              g_debug ("%s: resynchronising", error->message);
              g_free (token);
              token = g_strdup ("");
              continue;
            }
          if (xenapi_code_is (error, "SESSION_INVALID"))
            relogin = TRUE;
          break;
        }
      if (stopping (self))
        break;

      if (relogin)
        continue;

      {
        g_autofree char *why = describe (error);
        post_state (self, generation, LAGOON_CONNECTION_RECONNECTING,
                    g_strdup_printf (_("Connection to %s lost: %s. Reconnecting in %u s."),
                                     host, why, MAX (backoff / 1000, 1)),
                    error, FALSE, FALSE);
      }
      if (!wait_backoff (self, backoff))
        break;
      g_mutex_lock (&self->mutex);
      backoff_max = self->backoff_max_ms;
      g_mutex_unlock (&self->mutex);
      backoff = MIN (backoff * 2, backoff_max);
    }

  return NULL;
}

/* ---- public API ---------------------------------------------------------------------------- */

static void
lagoon_connection_dispose (GObject *object)
{
  LagoonConnection *self = LAGOON_CONNECTION (object);

  lagoon_connection_disconnect (self);
  g_clear_object (&self->cache);
  g_clear_object (&self->opener);
  G_OBJECT_CLASS (lagoon_connection_parent_class)->dispose (object);
}

static void
lagoon_connection_finalize (GObject *object)
{
  LagoonConnection *self = LAGOON_CONNECTION (object);

  g_free (self->initial_host);
  g_free (self->host);
  g_free (self->user);
  if (self->password)
    memset (self->password, 0, strlen (self->password));
  g_free (self->password);
  g_free (self->session_ref);
  g_strfreev (self->members);
  g_free (self->status);
  g_clear_error (&self->error);
  g_clear_object (&self->calls);
  g_clear_pointer (&self->main_context, g_main_context_unref);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (lagoon_connection_parent_class)->finalize (object);
}

static void
lagoon_connection_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  LagoonConnection *self = LAGOON_CONNECTION (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    case PROP_STATUS:
      g_value_set_string (value, self->status);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lagoon_connection_class_init (LagoonConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = lagoon_connection_dispose;
  object_class->finalize = lagoon_connection_finalize;
  object_class->get_property = lagoon_connection_get_property;

  properties[PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL, LAGOON_CONNECTION_DISCONNECTED,
                      LAGOON_CONNECTION_FAILED, LAGOON_CONNECTION_DISCONNECTED,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATUS] =
    g_param_spec_string ("status", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
lagoon_connection_init (LagoonConnection *self)
{
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  self->main_context = g_main_context_ref_thread_default ();
  self->cache = lagoon_cache_new ();
  self->backoff_initial_ms = 1000;
  self->backoff_max_ms = 30000;
  self->event_timeout = 30.0;
  self->login_ms = -1;
  self->ready_ms = -1;
}

LagoonConnection *
lagoon_connection_new (LagoonStreamOpener *opener,
                       const char         *host,
                       guint16             port,
                       gboolean            tls)
{
  LagoonConnection *self;

  g_return_val_if_fail (LAGOON_IS_STREAM_OPENER (opener), NULL);
  g_return_val_if_fail (host != NULL, NULL);

  self = g_object_new (LAGOON_TYPE_CONNECTION, NULL);
  self->opener = g_object_ref (opener);
  self->initial_host = g_strdup (host);
  self->host = g_strdup (host);
  self->port = port ? port : (tls ? 443 : 80);
  self->tls = tls;
  self->status = g_strdup (_("Not connected"));
  return self;
}

void
lagoon_connection_set_credentials (LagoonConnection *self,
                                   const char       *user,
                                   const char       *password)
{
  g_return_if_fail (LAGOON_IS_CONNECTION (self));

  g_mutex_lock (&self->mutex);
  g_free (self->user);
  self->user = g_strdup (user);
  if (self->password)
    memset (self->password, 0, strlen (self->password));
  g_free (self->password);
  self->password = g_strdup (password);
  g_mutex_unlock (&self->mutex);
}

void
lagoon_connection_set_backoff (LagoonConnection *self,
                               guint             initial_ms,
                               guint             max_ms)
{
  g_return_if_fail (LAGOON_IS_CONNECTION (self));

  g_mutex_lock (&self->mutex);
  self->backoff_initial_ms = MAX (initial_ms, 1);
  self->backoff_max_ms = MAX (max_ms, self->backoff_initial_ms);
  g_mutex_unlock (&self->mutex);
}

void
lagoon_connection_set_event_timeout (LagoonConnection *self,
                                     double            seconds)
{
  g_return_if_fail (LAGOON_IS_CONNECTION (self));

  g_mutex_lock (&self->mutex);
  self->event_timeout = CLAMP (seconds, 0.1, 600.0);
  g_mutex_unlock (&self->mutex);
}

LagoonCache *
lagoon_connection_get_cache (LagoonConnection *self)
{
  g_return_val_if_fail (LAGOON_IS_CONNECTION (self), NULL);
  return self->cache;
}

LagoonStreamOpener *
lagoon_connection_get_opener (LagoonConnection *self)
{
  g_return_val_if_fail (LAGOON_IS_CONNECTION (self), NULL);
  return self->opener;
}

LagoonConnectionState
lagoon_connection_get_state (LagoonConnection *self)
{
  g_return_val_if_fail (LAGOON_IS_CONNECTION (self), LAGOON_CONNECTION_DISCONNECTED);
  return self->state;
}

const char *
lagoon_connection_get_status (LagoonConnection *self)
{
  g_return_val_if_fail (LAGOON_IS_CONNECTION (self), NULL);
  return self->status;
}

const GError *
lagoon_connection_get_error (LagoonConnection *self)
{
  g_return_val_if_fail (LAGOON_IS_CONNECTION (self), NULL);
  return self->error;
}

char *
lagoon_connection_dup_host (LagoonConnection *self)
{
  char *ret;

  g_return_val_if_fail (LAGOON_IS_CONNECTION (self), NULL);
  g_mutex_lock (&self->mutex);
  ret = g_strdup (self->host);
  g_mutex_unlock (&self->mutex);
  return ret;
}

guint16
lagoon_connection_get_port (LagoonConnection *self)
{
  g_return_val_if_fail (LAGOON_IS_CONNECTION (self), 0);
  return self->port;
}

char *
lagoon_connection_dup_session_ref (LagoonConnection *self)
{
  char *ret;

  g_return_val_if_fail (LAGOON_IS_CONNECTION (self), NULL);
  g_mutex_lock (&self->mutex);
  ret = g_strdup (self->session_ref);
  g_mutex_unlock (&self->mutex);
  return ret;
}

GStrv
lagoon_connection_dup_member_addresses (LagoonConnection *self)
{
  GStrv ret;

  g_return_val_if_fail (LAGOON_IS_CONNECTION (self), NULL);
  g_mutex_lock (&self->mutex);
  ret = g_strdupv (self->members);
  g_mutex_unlock (&self->mutex);
  return ret ? ret : g_new0 (char *, 1);
}

gint64
lagoon_connection_get_login_time_ms (LagoonConnection *self)
{
  g_return_val_if_fail (LAGOON_IS_CONNECTION (self), -1);
  return self->login_ms;
}

gint64
lagoon_connection_get_ready_time_ms (LagoonConnection *self)
{
  g_return_val_if_fail (LAGOON_IS_CONNECTION (self), -1);
  return self->ready_ms;
}

guint64
lagoon_connection_get_events_received (LagoonConnection *self)
{
  g_return_val_if_fail (LAGOON_IS_CONNECTION (self), 0);
  return self->events_received;
}

void
lagoon_connection_connect (LagoonConnection *self)
{
  g_return_if_fail (LAGOON_IS_CONNECTION (self));

  lagoon_connection_disconnect (self);

  self->started_us = g_get_monotonic_time ();
  self->login_ms = -1;
  self->ready_ms = -1;
  g_clear_error (&self->error);

  g_mutex_lock (&self->mutex);
  self->generation++;
  self->stopping = FALSE;
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->thread = g_thread_new ("lagoon-connection", connection_thread, self);
  g_mutex_unlock (&self->mutex);
}

void
lagoon_connection_disconnect (LagoonConnection *self)
{
  GThread *thread;
  g_autofree char *session = NULL;
  g_autoptr(LagoonHttpClient) calls = NULL;
  gboolean changed;

  g_return_if_fail (LAGOON_IS_CONNECTION (self));

  g_mutex_lock (&self->mutex);
  self->stopping = TRUE;
  thread = g_steal_pointer (&self->thread);
  if (self->cancellable)
    g_cancellable_cancel (self->cancellable);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);

  if (thread == NULL)
    return;

  /* The worker may wait for the main thread to take a chunk: keep dispatching. */
  while (TRUE)
    {
      gboolean idle;
      g_mutex_lock (&self->mutex);
      idle = self->pending_chunks == 0;
      g_mutex_unlock (&self->mutex);
      if (idle)
        break;
      g_main_context_iteration (self->main_context, FALSE);
    }
  g_thread_join (thread);
  while (g_main_context_pending (self->main_context) &&
         g_main_context_iteration (self->main_context, FALSE))
    ;

  g_mutex_lock (&self->mutex);
  self->generation++;
  session = g_steal_pointer (&self->session_ref);
  calls = g_steal_pointer (&self->calls);
  g_mutex_unlock (&self->mutex);

  /* Log out politely, briefly: the server may be gone. */
  if (session != NULL && calls != NULL)
    {
      g_autoptr(GVariant) r = NULL;
      lagoon_http_client_set_timeout (calls, 2000);
      r = lagoon_xmlrpc_call (calls, "/", "session.logout", g_variant_new ("(s)", session), NULL,
                              NULL);
    }

  /* Close the tunnel too, so the next connect checks the host key and logs in again. */
  if (LAGOON_IS_SSH_OPENER (self->opener))
    lagoon_ssh_session_disconnect (
      lagoon_ssh_opener_get_session (LAGOON_SSH_OPENER (self->opener)));

  changed = self->state != LAGOON_CONNECTION_DISCONNECTED;
  self->state = LAGOON_CONNECTION_DISCONNECTED;
  g_free (self->status);
  self->status = g_strdup (_("Disconnected"));
  if (changed)
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
    }
}

static GVariant *
with_session (const char *session,
              GVariant   *args)
{
  GVariantBuilder b;
  GVariantIter iter;
  GVariant *child;

  g_variant_builder_init (&b, G_VARIANT_TYPE_TUPLE);
  g_variant_builder_add (&b, "s", session);
  if (args != NULL)
    {
      g_variant_iter_init (&iter, args);
      while ((child = g_variant_iter_next_value (&iter)))
        {
          g_variant_builder_add_value (&b, child);
          g_variant_unref (child);
        }
    }
  return g_variant_builder_end (&b);
}

GVariant *
lagoon_connection_call_sync (LagoonConnection  *self,
                             const char        *method,
                             GVariant          *args,
                             GCancellable      *cancellable,
                             GError           **error)
{
  g_autoptr(GVariant) owned_args = NULL;

  g_return_val_if_fail (LAGOON_IS_CONNECTION (self), NULL);
  g_return_val_if_fail (method != NULL, NULL);
  g_return_val_if_fail (args == NULL || g_variant_is_of_type (args, G_VARIANT_TYPE_TUPLE), NULL);

  if (args != NULL)
    owned_args = g_variant_ref_sink (args);

  for (guint attempt = 0; attempt < 2; attempt++)
    {
      g_autoptr(LagoonHttpClient) calls = NULL;
      g_autofree char *session = NULL;
      g_autoptr(GError) local_error = NULL;
      GVariant *result;

      g_mutex_lock (&self->mutex);
      calls = self->calls ? g_object_ref (self->calls) : NULL;
      session = g_strdup (self->session_ref);
      g_mutex_unlock (&self->mutex);

      if (calls == NULL || session == NULL)
        {
          g_set_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_CONNECT,
                       _("Not connected to the pool"));
          return NULL;
        }

      result = lagoon_xmlrpc_call (calls, "/", method, with_session (session, owned_args),
                                   cancellable, &local_error);
      if (result != NULL)
        return result;

      if (attempt == 0 && xenapi_code_is (local_error, "SESSION_INVALID"))
        {
          g_autofree char *current = NULL;
          g_autofree char *host = lagoon_connection_dup_host (self);

          /* Log in again unless another thread already did. */
          g_mutex_lock (&self->mutex);
          current = g_strdup (self->session_ref);
          g_mutex_unlock (&self->mutex);
          if (g_strcmp0 (current, session) == 0 &&
              !login_at (self, self->generation, host, cancellable, error))
            return NULL;
          continue;
        }
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  g_return_val_if_reached (NULL);
}

typedef struct
{
  char     *method;
  GVariant *args;
} CallData;

static void
call_data_free (CallData *d)
{
  g_free (d->method);
  g_clear_pointer (&d->args, g_variant_unref);
  g_free (d);
}

static void
call_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  CallData *d = task_data;
  GError *error = NULL;
  GVariant *result = lagoon_connection_call_sync (source_object, d->method, d->args,
                                                  cancellable, &error);

  if (result != NULL)
    g_task_return_pointer (task, result, (GDestroyNotify) g_variant_unref);
  else
    g_task_return_error (task, error);
}

void
lagoon_connection_call_async (LagoonConnection    *self,
                              const char          *method,
                              GVariant            *args,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  CallData *d;

  g_return_if_fail (LAGOON_IS_CONNECTION (self));
  g_return_if_fail (method != NULL);

  d = g_new0 (CallData, 1);
  d->method = g_strdup (method);
  d->args = args ? g_variant_ref_sink (args) : NULL;
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, lagoon_connection_call_async);
  g_task_set_task_data (task, d, (GDestroyNotify) call_data_free);
  g_task_run_in_thread (task, call_thread);
}

GVariant *
lagoon_connection_call_finish (LagoonConnection  *self,
                               GAsyncResult      *result,
                               GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
