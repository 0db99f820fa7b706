/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-events-pane"

#include "config.h"

#include <glib/gi18n.h>

#include "lagoon-action.h"
#include "lagoon-events-pane.h"
#include "lagoon-ui-private.h"
#include "lagoon-xenapi-error.h"

struct _LagoonEventsPane
{
  GtkBox      parent_instance;

  GListModel *actions;

  /* Template children */
  GtkListBox *list;
  GtkLabel   *summary_label;
};

G_DEFINE_FINAL_TYPE (LagoonEventsPane, lagoon_events_pane, GTK_TYPE_BOX)

/* Widgets of one row, found again by name when the action changes. */
typedef struct
{
  GtkLabel       *status;
  GtkLabel       *time;
  GtkProgressBar *progress;
  GtkButton      *cancel;
  GtkExpander    *details;
  GtkLabel       *details_label;
} RowWidgets;

static char *
target_names (LagoonAction *action)
{
  const char * const *refs = lagoon_action_get_objects (action);
  LagoonConnection *connection = lagoon_action_get_connection (action);
  LagoonCache *cache = connection != NULL ? lagoon_connection_get_cache (connection) : NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new ();

  for (guint i = 0; refs != NULL && refs[i] != NULL; i++)
    {
      const LagoonRecord *rec = cache != NULL ? lagoon_cache_lookup_any (cache, refs[i]) : NULL;

      g_ptr_array_add (names, (gpointer) (rec != NULL ? lagoon_record_get_name (rec) : refs[i]));
    }
  g_ptr_array_add (names, NULL);

  return g_strjoinv (", ", (char **) names->pdata);
}

static char *
format_clock (gint64 usec)
{
  g_autoptr(GDateTime) dt = NULL;

  if (usec <= 0)
    return g_strdup ("");
  dt = g_date_time_new_from_unix_local (usec / G_USEC_PER_SEC);
  return dt != NULL ? g_date_time_format (dt, "%H:%M:%S") : g_strdup ("");
}

static void
update_row (LagoonAction *action,
            RowWidgets   *w)
{
  LagoonActionState state = lagoon_action_get_state (action);
  const GError *error = lagoon_action_get_error (action);
  g_autofree char *status = NULL;
  g_autofree char *started = format_clock (lagoon_action_get_started (action));
  g_autofree char *finished = format_clock (lagoon_action_get_finished (action));
  double progress = lagoon_action_get_progress (action);

  switch (state)
    {
    case LAGOON_ACTION_QUEUED:
      status = g_strdup (_("Queued"));
      break;
    case LAGOON_ACTION_RUNNING:
      {
        const char *step = lagoon_action_get_description (action);

        if (step != NULL && *step != '\0')
          /* Translators: progress of a running action and the step it is at, "42% — Starting
           * web-01" */
          status = g_strdup_printf (_("In progress: %d%% — %s"), (int) (progress * 100 + 0.5),
                                    step);
        else
          /* Translators: progress of a running action, "42%" */
          status = g_strdup_printf (_("In progress: %d%%"), (int) (progress * 100 + 0.5));
      }
      break;
    case LAGOON_ACTION_CANCELLING:
      status = g_strdup (_("Cancelling…"));
      break;
    case LAGOON_ACTION_SUCCEEDED:
      status = g_strdup (_("Completed"));
      break;
    case LAGOON_ACTION_CANCELLED:
      status = g_strdup (_("Cancelled"));
      break;
    case LAGOON_ACTION_FAILED:
    default:
      {
        g_autofree char *why = error != NULL ? lagoon_xenapi_error_describe (error)
                                             : g_strdup (_("Unknown error"));

        /* Translators: %s is the reason, a sentence */
        status = g_strdup_printf (_("Failed: %s"), why);
      }
      break;
    }

  gtk_label_set_text (w->status, status);
  gtk_widget_set_tooltip_text (GTK_WIDGET (w->status), status);
  gtk_progress_bar_set_fraction (w->progress,
                                 state == LAGOON_ACTION_SUCCEEDED ? 1.0 : progress);
  /* A bar stuck half-way says nothing about a failure: the status line does. */
  gtk_widget_set_visible (GTK_WIDGET (w->progress),
                          state != LAGOON_ACTION_FAILED && state != LAGOON_ACTION_CANCELLED);
  gtk_widget_set_visible (GTK_WIDGET (w->cancel), lagoon_action_get_can_cancel (action) &&
                                                  !lagoon_action_is_finished (action));

  if (lagoon_action_is_finished (action) && finished[0] != '\0')
    {
      /* Translators: start and end times, "10:02:03 – 10:02:09" */
      g_autofree char *text = g_strdup_printf (_("%s – %s"), started, finished);

      gtk_label_set_text (w->time, text);
    }
  else
    gtk_label_set_text (w->time, started);

  if (state == LAGOON_ACTION_FAILED && error != NULL)
    {
      g_autoptr(GString) details = g_string_new (NULL);
      const char *code = lagoon_xenapi_error_get_code_string (error);

      if (code != NULL)
        {
          const char * const *params = lagoon_xenapi_error_get_params (error);

          g_string_append (details, code);
          for (guint i = 0; params != NULL && params[i] != NULL; i++)
            g_string_append_printf (details, "\n  %s", params[i]);
        }
      else
        g_string_append (details, error->message);
      gtk_label_set_text (w->details_label, details->str);
      gtk_widget_show (GTK_WIDGET (w->details));
    }
  else
    gtk_widget_hide (GTK_WIDGET (w->details));
}

static void
on_action_notify (LagoonAction *action,
                  GParamSpec   *pspec,
                  GtkWidget    *row)
{
  update_row (action, g_object_get_data (G_OBJECT (row), "lagoon-row-widgets"));
}

static void
on_action_finished (LagoonAction *action,
                    GtkWidget    *row)
{
  update_row (action, g_object_get_data (G_OBJECT (row), "lagoon-row-widgets"));
}

static void
on_cancel_clicked (GtkButton    *button,
                   LagoonAction *action)
{
  lagoon_action_cancel (action);
}

static GtkWidget *
label_new (const char *text,
           gboolean    dim)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  if (dim)
    gtk_style_context_add_class (gtk_widget_get_style_context (label), "dim-label");
  return label;
}

static GtkWidget *
create_row (gpointer item,
            gpointer user_data)
{
  LagoonAction *action = LAGOON_ACTION (item);
  RowWidgets *w = g_new0 (RowWidgets, 1);
  g_autofree char *target = target_names (action);
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *grid = gtk_grid_new ();
  GtkWidget *title = label_new (lagoon_action_get_title (action), FALSE);
  GtkWidget *target_label = label_new (target, TRUE);
  GtkWidget *progress = gtk_progress_bar_new ();
  GtkWidget *status = label_new ("", FALSE);
  GtkWidget *time = label_new ("", TRUE);
  GtkWidget *cancel = gtk_button_new_with_mnemonic (_("_Cancel"));
  GtkWidget *details = gtk_expander_new_with_mnemonic (_("_Details"));
  GtkWidget *details_label = gtk_label_new ("");
  g_autofree char *row_name = NULL;

  w->status = GTK_LABEL (status);
  w->time = GTK_LABEL (time);
  w->progress = GTK_PROGRESS_BAR (progress);
  w->cancel = GTK_BUTTON (cancel);
  w->details = GTK_EXPANDER (details);
  w->details_label = GTK_LABEL (details_label);
  g_object_set_data_full (G_OBJECT (row), "lagoon-row-widgets", w, g_free);

  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  gtk_grid_set_row_spacing (GTK_GRID (grid), 2);
  g_object_set (grid, "margin", 6, NULL);
  gtk_widget_set_hexpand (title, TRUE);
  gtk_widget_set_hexpand (status, TRUE);
  gtk_widget_set_size_request (progress, 120, -1);
  gtk_widget_set_valign (progress, GTK_ALIGN_CENTER);
  gtk_widget_set_valign (cancel, GTK_ALIGN_CENTER);
  gtk_label_set_selectable (GTK_LABEL (details_label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (details_label), 0.0);
  gtk_label_set_line_wrap (GTK_LABEL (details_label), TRUE);
  gtk_container_add (GTK_CONTAINER (details), details_label);

  gtk_grid_attach (GTK_GRID (grid), title, 0, 0, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), target_label, 1, 0, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), progress, 2, 0, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), time, 3, 0, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), cancel, 4, 0, 1, 2);
  gtk_grid_attach (GTK_GRID (grid), status, 0, 1, 4, 1);
  gtk_grid_attach (GTK_GRID (grid), details, 0, 2, 5, 1);
  gtk_container_add (GTK_CONTAINER (row), grid);
  gtk_widget_show_all (row);

  /* Translators: accessible name of an Events pane row: action title and its target */
  row_name = g_strdup_printf (_("%s: %s"), lagoon_action_get_title (action), target);
  atk_object_set_name (gtk_widget_get_accessible (row), row_name);
  atk_object_set_name (gtk_widget_get_accessible (progress), _("Progress"));
  {
    /* Translators: accessible name of the Cancel button of an action, %s its title */
    g_autofree char *cancel_name = g_strdup_printf (_("Cancel %s"),
                                                    lagoon_action_get_title (action));

    atk_object_set_name (gtk_widget_get_accessible (cancel), cancel_name);
  }

  g_signal_connect_object (cancel, "clicked", G_CALLBACK (on_cancel_clicked), action, 0);
  g_signal_connect_object (action, "notify", G_CALLBACK (on_action_notify), row, 0);
  g_signal_connect_object (action, "finished", G_CALLBACK (on_action_finished), row, 0);
  update_row (action, w);

  return row;
}

static void
update_summary (LagoonEventsPane *self)
{
  guint n = self->actions != NULL ? g_list_model_get_n_items (self->actions) : 0;
  g_autofree char *text = NULL;

  if (n == 0)
    text = g_strdup (_("No events in this session yet."));
  else
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u event in this session",
                                         "%u events in this session", n), n);
  gtk_label_set_text (self->summary_label, text);
}

static void
on_items_changed (GListModel       *list,
                  guint             position,
                  guint             removed,
                  guint             added,
                  LagoonEventsPane *self)
{
  update_summary (self);
}

void
lagoon_events_pane_set_model (LagoonEventsPane *self,
                              GListModel       *actions)
{
  g_return_if_fail (LAGOON_IS_EVENTS_PANE (self));

  if (self->actions != NULL)
    g_signal_handlers_disconnect_by_func (self->actions, on_items_changed, self);
  g_set_object (&self->actions, actions);
  gtk_list_box_bind_model (self->list, actions, create_row, self, NULL);
  if (actions != NULL)
    g_signal_connect_object (actions, "items-changed", G_CALLBACK (on_items_changed), self, 0);
  update_summary (self);
}

GtkWidget *
lagoon_events_pane_new (void)
{
  return g_object_new (LAGOON_TYPE_EVENTS_PANE, NULL);
}

static void
lagoon_events_pane_dispose (GObject *object)
{
  LagoonEventsPane *self = LAGOON_EVENTS_PANE (object);

  if (self->list != NULL)
    gtk_list_box_bind_model (self->list, NULL, NULL, NULL, NULL);
  g_clear_object (&self->actions);

  G_OBJECT_CLASS (lagoon_events_pane_parent_class)->dispose (object);
}

static void
lagoon_events_pane_class_init (LagoonEventsPaneClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lagoon_events_pane_dispose;

  lagoon_ui_register_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/dev/lagoon/Lagoon/lagoon-events-pane.ui");
  gtk_widget_class_bind_template_child (widget_class, LagoonEventsPane, list);
  gtk_widget_class_bind_template_child (widget_class, LagoonEventsPane, summary_label);
}

static void
lagoon_events_pane_init (LagoonEventsPane *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  update_summary (self);
}
