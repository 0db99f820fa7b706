/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>

#include "lagoon-cache.h"
#include "lagoon-view.h"

/*
 * Each command parses its own options (GOptionContext) from the arguments that follow
 * its name. Options every command shares (today --db; connection options later) come
 * from add_common_options().
 */
typedef struct
{
  const char *name;
  const char *summary;
  int       (*run) (int argc, char **argv);
} Command;

typedef struct
{
  char *db;
} CommonOptions;

static void
add_common_options (GOptionContext *context,
                    CommonOptions  *common)
{
  const GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &common->db,
      N_("Read the pool from a database dump (state.db, pool-dump-database) instead of a "
         "live connection"), N_("FILE") },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
}

static void
common_options_clear (CommonOptions *common)
{
  g_clear_pointer (&common->db, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CommonOptions, common_options_clear)

/* Fills @cache from the source the common options name. */
static gboolean
load_cache (LagoonCache   *cache,
            CommonOptions *common,
            GError       **error)
{
  if (common->db == NULL)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                           _("No pool given: use --db FILE (live connections are not "
                             "available in this command yet)"));
      return FALSE;
    }
  /* The reader's messages name the file already. */
  return lagoon_cache_load_dump (cache, common->db, error);
}

static int
cmd_tree (int    argc,
          char **argv)
{
  g_auto(CommonOptions) common = { NULL };
  g_autofree char *view_name = NULL;
  g_autofree char *filter = NULL;
  gboolean default_templates = FALSE;
  const GOptionEntry entries[] = {
    { "view", 0, 0, G_OPTION_ARG_STRING, &view_name,
      N_("Which tree: infrastructure (default), objects, tags, folders or vapps"), N_("VIEW") },
    { "default-templates", 0, 0, G_OPTION_ARG_NONE, &default_templates,
      N_("Show the default templates too"), NULL },
    { "filter", 0, 0, G_OPTION_ARG_STRING, &filter,
      N_("Show only objects whose name contains TEXT (and their ancestors)"), N_("TEXT") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(LagoonCache) cache = NULL;
  g_autoptr(LagoonView) view = NULL;
  g_autofree char *text = NULL;
  LagoonViewKind kind = LAGOON_VIEW_INFRASTRUCTURE;

  g_option_context_set_summary (context, _("Print a resource tree, one node per line."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  add_common_options (context, &common);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("lagoon-cli tree: %s\n", error->message);
      return 2;
    }
  if (argc > 1)
    {
      g_printerr (_("lagoon-cli tree: unexpected argument '%s'\n"), argv[1]);
      return 2;
    }
  if (view_name != NULL && !lagoon_view_kind_from_string (view_name, &kind))
    {
      g_printerr (_("lagoon-cli tree: unknown view '%s' (infrastructure, objects, tags, "
                    "folders, vapps)\n"), view_name);
      return 2;
    }

  cache = lagoon_cache_new ();
  if (!load_cache (cache, &common, &error))
    {
      g_printerr ("lagoon-cli: %s\n", error->message);
      return 1;
    }

  view = lagoon_view_new (cache, kind);
  lagoon_view_set_show_default_templates (view, default_templates);
  lagoon_view_set_filter (view, filter);
  text = lagoon_view_to_text (view);
  fputs (text, stdout);
  return fflush (stdout) == 0 ? 0 : 1;
}

static const Command commands[] = {
  { "tree", N_("Print a resource tree (infrastructure, objects, tags, folders, vapps)"), cmd_tree },
};

static void
usage (FILE *out)
{
  fprintf (out, "%s\n\n", _("Usage: lagoon-cli COMMAND [OPTION...]"));
  fprintf (out, "%s\n", _("Commands:"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-8s %s\n", commands[i].name, _(commands[i].summary));
  fprintf (out, "\n%s\n", _("Run 'lagoon-cli COMMAND --help' for a command's options."));
}

int
main (int    argc,
      char **argv)
{
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (argc < 2)
    {
      usage (stderr);
      return 2;
    }
  if (g_str_equal (argv[1], "--version"))
    {
      printf ("lagoon-cli %s\n", PACKAGE_VERSION);
      return 0;
    }
  if (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h") ||
      g_str_equal (argv[1], "help"))
    {
      usage (stdout);
      return 0;
    }

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (argv[1], commands[i].name))
      return commands[i].run (argc - 1, argv + 1);

  g_printerr (_("lagoon-cli: unknown command '%s'\n\n"), argv[1]);
  usage (stderr);
  return 2;
}
