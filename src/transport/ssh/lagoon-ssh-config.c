/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-ssh-config"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "lagoon-ssh-config.h"
#include "lagoon-transport-error.h"

#define MAX_INCLUDE_DEPTH 8

void
lagoon_ssh_host_config_free (LagoonSshHostConfig *config)
{
  if (config == NULL)
    return;
  g_free (config->alias);
  g_free (config->hostname);
  g_free (config->user);
  g_clear_pointer (&config->identity_files, g_ptr_array_unref);
  g_free (config->proxy_jump);
  g_free (config);
}

static gboolean
pattern_matches (const char *pattern,
                 const char *host)
{
  g_autofree char *p = g_ascii_strdown (pattern, -1);
  g_autofree char *h = g_ascii_strdown (host, -1);

  return g_pattern_match_simple (p, h);
}

gboolean
lagoon_ssh_config_host_matches (const char *patterns,
                                const char *host)
{
  g_auto(GStrv) list = g_strsplit_set (patterns, " \t,", -1);
  gboolean matched = FALSE;

  for (guint i = 0; list[i]; i++)
    {
      const char *pat = list[i];

      if (*pat == '\0')
        continue;
      if (*pat == '!')
        {
          /* A matching negated pattern rules the line out whatever else matches. */
          if (pattern_matches (pat + 1, host))
            return FALSE;
        }
      else if (pattern_matches (pat, host))
        matched = TRUE;
    }
  return matched;
}

/* Splits a config line into keyword and arguments, honouring double quotes and "key=value". */
static GPtrArray *
split_line (const char *line)
{
  GPtrArray *words = g_ptr_array_new_with_free_func (g_free);
  const char *p = line;

  while (*p)
    {
      GString *w;

      while (g_ascii_isspace (*p) || (words->len == 1 && *p == '=' ))
        p++;
      if (*p == '\0' || *p == '#')
        break;
      w = g_string_new (NULL);
      if (*p == '"')
        {
          for (p++; *p && *p != '"'; p++)
            g_string_append_c (w, *p);
          if (*p == '"')
            p++;
        }
      else
        {
          for (; *p && !g_ascii_isspace (*p) && !(words->len == 0 && *p == '='); p++)
            g_string_append_c (w, *p);
          if (words->len == 0 && *p == '=')
            p++;
        }
      g_ptr_array_add (words, g_string_free (w, FALSE));
    }
  return words;
}

static char *
expand_path (const char                *value,
             const LagoonSshHostConfig *cfg,
             const char                *base_dir)
{
  GString *out = g_string_new (NULL);
  const char *home = g_get_home_dir ();

  if (value[0] == '~' && (value[1] == '/' || value[1] == '\0'))
    {
      g_string_append (out, home);
      value++;
    }
  for (const char *p = value; *p; p++)
    {
      if (*p != '%' || p[1] == '\0')
        {
          g_string_append_c (out, *p);
          continue;
        }
      p++;
      switch (*p)
        {
        case '%': g_string_append_c (out, '%'); break;
        case 'd': g_string_append (out, home); break;
        case 'h': g_string_append (out, cfg->hostname ? cfg->hostname : cfg->alias); break;
        case 'n': g_string_append (out, cfg->alias); break;
        case 'r': g_string_append (out, cfg->user ? cfg->user : g_get_user_name ()); break;
        case 'u': g_string_append (out, g_get_user_name ()); break;
        case 'p': g_string_append_printf (out, "%u", cfg->port ? cfg->port : 22); break;
        default:  g_string_append_c (out, '%'); g_string_append_c (out, *p); break;
        }
    }

  if (!g_path_is_absolute (out->str) && base_dir != NULL)
    {
      char *abs = g_build_filename (base_dir, out->str, NULL);
      g_string_free (out, TRUE);
      return abs;
    }
  return g_string_free (out, FALSE);
}

static gboolean parse_text (const char *text, const char *base_dir, LagoonSshHostConfig *cfg,
                            guint depth, GError **error);

static gboolean
include_files (const char          *arg,
               const char          *base_dir,
               LagoonSshHostConfig *cfg,
               guint                depth,
               GError             **error)
{
  g_autofree char *pattern = expand_path (arg, cfg, base_dir);
  g_autofree char *dir = g_path_get_dirname (pattern);
  g_autofree char *glob = g_path_get_basename (pattern);
  g_autoptr(GDir) d = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (depth >= MAX_INCLUDE_DEPTH)
    {
      g_set_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_FAILED,
                   _("SSH configuration includes nest too deeply (at “%s”)"), arg);
      return FALSE;
    }

  d = g_dir_open (dir, 0, NULL);
  if (d == NULL)
    return TRUE;
  while ((name = g_dir_read_name (d)))
    if (g_pattern_match_simple (glob, name))
      g_ptr_array_add (names, g_build_filename (dir, name, NULL));
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *contents = NULL;
      if (!g_file_get_contents (names->pdata[i], &contents, NULL, NULL))
        continue;
      if (!parse_text (contents, base_dir, cfg, depth + 1, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
parse_text (const char          *text,
            const char          *base_dir,
            LagoonSshHostConfig *cfg,
            guint                depth,
            GError             **error)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  gboolean active = TRUE;
  guint lineno = 0;

  for (guint i = 0; lines[i]; i++)
    {
      g_autoptr(GPtrArray) words = split_line (lines[i]);
      const char *key, *arg;

      lineno++;
      if (words->len == 0)
        continue;
      key = words->pdata[0];
      arg = words->len > 1 ? words->pdata[1] : NULL;

      if (g_ascii_strcasecmp (key, "Host") == 0)
        {
          g_autoptr(GString) pats = g_string_new (NULL);
          for (guint w = 1; w < words->len; w++)
            g_string_append_printf (pats, "%s ", (char *) words->pdata[w]);
          active = lagoon_ssh_config_host_matches (pats->str, cfg->alias);
          continue;
        }
      if (g_ascii_strcasecmp (key, "Match") == 0)
        {
          /* Only "Match all" is understood; other criteria never match here. */
          active = arg != NULL && g_ascii_strcasecmp (arg, "all") == 0;
          continue;
        }
      if (g_ascii_strcasecmp (key, "Include") == 0)
        {
          if (active)
            for (guint w = 1; w < words->len; w++)
              if (!include_files (words->pdata[w], base_dir, cfg, depth, error))
                return FALSE;
          continue;
        }
      if (!active || arg == NULL)
        continue;

      if (g_ascii_strcasecmp (key, "HostName") == 0)
        {
          if (cfg->hostname == NULL)
            cfg->hostname = expand_path (arg, cfg, NULL);
        }
      else if (g_ascii_strcasecmp (key, "User") == 0)
        {
          if (cfg->user == NULL)
            cfg->user = g_strdup (arg);
        }
      else if (g_ascii_strcasecmp (key, "Port") == 0)
        {
          guint64 port;
          if (cfg->port != 0)
            continue;
          if (!g_ascii_string_to_unsigned (arg, 10, 1, 65535, &port, NULL))
            {
              g_set_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_FAILED,
                           _("Bad port “%s” in the SSH configuration, line %u"), arg, lineno);
              return FALSE;
            }
          cfg->port = (guint16) port;
        }
      else if (g_ascii_strcasecmp (key, "IdentityFile") == 0)
        g_ptr_array_add (cfg->identity_files, expand_path (arg, cfg, NULL));
      else if (g_ascii_strcasecmp (key, "ProxyJump") == 0)
        {
          if (cfg->proxy_jump == NULL)
            cfg->proxy_jump = g_strdup (arg);
        }
    }
  return TRUE;
}

LagoonSshHostConfig *
lagoon_ssh_config_resolve_text (const char  *text,
                                const char  *base_dir,
                                const char  *alias,
                                GError     **error)
{
  g_autoptr(LagoonSshHostConfig) cfg = g_new0 (LagoonSshHostConfig, 1);

  g_return_val_if_fail (alias != NULL, NULL);

  cfg->alias = g_strdup (alias);
  cfg->identity_files = g_ptr_array_new_with_free_func (g_free);
  if (text != NULL && !parse_text (text, base_dir, cfg, 0, error))
    return NULL;
  if (cfg->hostname == NULL)
    cfg->hostname = g_strdup (alias);
  if (cfg->proxy_jump != NULL && g_ascii_strcasecmp (cfg->proxy_jump, "none") == 0)
    g_clear_pointer (&cfg->proxy_jump, g_free);
  return g_steal_pointer (&cfg);
}

LagoonSshHostConfig *
lagoon_ssh_config_resolve (const char  *path,
                           const char  *alias,
                           GError     **error)
{
  g_autofree char *default_path = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *base_dir = NULL;
  g_autoptr(GError) local_error = NULL;

  if (path == NULL)
    path = default_path = g_build_filename (g_get_home_dir (), ".ssh", "config", NULL);
  base_dir = g_path_get_dirname (path);

  if (!g_file_get_contents (path, &contents, NULL, &local_error))
    {
      if (!g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_debug ("Ignoring unreadable %s: %s", path, local_error->message);
    }
  return lagoon_ssh_config_resolve_text (contents, base_dir, alias, error);
}

gboolean
lagoon_ssh_parse_destination (const char  *text,
                              char       **user,
                              char       **host,
                              guint16     *port,
                              GError     **error)
{
  const char *p = text;
  const char *at;
  g_autofree char *h = NULL;
  guint64 portnum = 0;

  *user = NULL;
  *host = NULL;
  *port = 0;

  if (g_str_has_prefix (p, "ssh://"))
    p += strlen ("ssh://");

  at = strrchr (p, '@');
  if (at != NULL)
    {
      if (at == p)
        goto bad;
      *user = g_strndup (p, at - p);
      p = at + 1;
    }

  if (*p == '[')
    {
      const char *end = strchr (p, ']');
      if (end == NULL || end == p + 1)
        goto bad;
      h = g_strndup (p + 1, end - p - 1);
      p = end + 1;
    }
  else
    {
      const char *colon = strchr (p, ':');
      size_t len = colon ? (size_t) (colon - p) : strlen (p);
      /* A trailing slash of a URL is allowed. */
      if (colon == NULL && len > 0 && p[len - 1] == '/')
        len--;
      h = g_strndup (p, len);
      p += colon ? (size_t) (colon - p) : strlen (p);
    }

  if (*p == ':')
    {
      g_autofree char *digits = g_strdup (p + 1);
      size_t n = strlen (digits);
      if (n > 0 && digits[n - 1] == '/')
        digits[n - 1] = '\0';
      if (!g_ascii_string_to_unsigned (digits, 10, 1, 65535, &portnum, NULL))
        goto bad;
      p += strlen (p);
    }
  if (*p != '\0' && !g_str_equal (p, "/"))
    goto bad;
  if (h == NULL || *h == '\0' || strpbrk (h, " \t/@") != NULL)
    goto bad;

  *host = g_steal_pointer (&h);
  *port = (guint16) portnum;
  return TRUE;

bad:
  g_clear_pointer (user, g_free);
  g_set_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_FAILED,
               _("“%s” is not an SSH destination; use host, user@host, host:port or "
                 "ssh://user@host:port"), text);
  return FALSE;
}
