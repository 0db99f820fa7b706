/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-wizard"

#include "config.h"

#include <glib/gi18n.h>

#include "lagoon-ui-private.h"
#include "lagoon-wizard.h"

/* What a page told us about itself; kept on the page so that it can be set before the page
 * is added to a wizard. */
typedef struct
{
  gboolean      valid;
  char         *reason;
  LagoonWizard *wizard;   /* not owned: the wizard that holds the page */
} PageState;

typedef struct
{
  GtkWidget     *page;    /* owned by the stack */
  GtkWidget     *row;     /* owned by the rail */
  char          *title;
  char          *heading;
  gboolean       visible;
  gboolean       visited;
} PageInfo;

typedef struct
{
  /* Template children */
  GtkListBox    *rail;
  GtkLabel      *heading_label;
  GtkStack      *stack;
  GtkWidget     *summary_page;
  GtkGrid       *summary_grid;
  GtkBox        *summary_extra;
  GtkWidget     *reason_box;
  GtkLabel      *reason_label;
  GtkWidget     *back_button;
  GtkWidget     *next_button;
  GtkWidget     *finish_button;
  GtkWidget     *cancel_button;

  /* The pages in order; the last one is always the summary. */
  GPtrArray     *pages;
  guint          current;
  int            summary_rows;
  char          *error;
  /* The first page is prepared when the wizard is first shown, once it is fully built. */
  gboolean       started;
} LagoonWizardPrivate;

enum {
  SIGNAL_PREPARE,
  SIGNAL_SUMMARIZE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void lagoon_wizard_buildable_init (GtkBuildableIface *iface);

G_DEFINE_TYPE_WITH_CODE (LagoonWizard, lagoon_wizard, GTK_TYPE_WINDOW,
                         G_ADD_PRIVATE (LagoonWizard)
                         G_IMPLEMENT_INTERFACE (GTK_TYPE_BUILDABLE, lagoon_wizard_buildable_init))

static GtkBuildableIface *parent_buildable_iface;

static GQuark
page_state_quark (void)
{
  static GQuark quark;

  if (G_UNLIKELY (quark == 0))
    quark = g_quark_from_static_string ("lagoon-wizard-page-state");
  return quark;
}

static void
page_state_free (gpointer data)
{
  PageState *state = data;

  g_free (state->reason);
  g_free (state);
}

static PageState *
page_state_get (GtkWidget *page)
{
  PageState *state = g_object_get_qdata (G_OBJECT (page), page_state_quark ());

  if (state == NULL)
    {
      state = g_new0 (PageState, 1);
      state->valid = TRUE;
      g_object_set_qdata_full (G_OBJECT (page), page_state_quark (), state, page_state_free);
    }
  return state;
}

static void
page_info_free (gpointer data)
{
  PageInfo *info = data;

  g_free (info->title);
  g_free (info->heading);
  g_free (info);
}

static PageInfo *
find_page (LagoonWizard *self,
           GtkWidget    *page,
           guint        *index)
{
  LagoonWizardPrivate *priv = lagoon_wizard_get_instance_private (self);

  for (guint i = 0; i < priv->pages->len; i++)
    {
      PageInfo *info = g_ptr_array_index (priv->pages, i);

      if (info->page == page)
        {
          if (index != NULL)
            *index = i;
          return info;
        }
    }
  return NULL;
}

static gboolean
page_valid (PageInfo *info)
{
  return !info->visible || lagoon_wizard_page_get_valid (info->page);
}

/* Whether every visible page before @index is valid. */
static gboolean
pages_before_valid (LagoonWizard *self,
                    guint         index)
{
  LagoonWizardPrivate *priv = lagoon_wizard_get_instance_private (self);

  for (guint i = 0; i < index && i < priv->pages->len; i++)
    if (!page_valid (g_ptr_array_index (priv->pages, i)))
      return FALSE;
  return TRUE;
}

static PageInfo *
current_info (LagoonWizard *self)
{
  LagoonWizardPrivate *priv = lagoon_wizard_get_instance_private (self);

  return g_ptr_array_index (priv->pages, priv->current);
}

static int
next_visible (LagoonWizard *self,
              int           from,
              int           step)
{
  LagoonWizardPrivate *priv = lagoon_wizard_get_instance_private (self);

  for (int i = from + step; i >= 0 && i < (int) priv->pages->len; i += step)
    if (((PageInfo *) g_ptr_array_index (priv->pages, i))->visible)
      return i;
  return -1;
}

/* Sets every button, the rail and the reason line from the pages' state. */
static void
update_state (LagoonWizard *self)
{
  LagoonWizardPrivate *priv = lagoon_wizard_get_instance_private (self);
  PageInfo *info = current_info (self);
  gboolean on_summary = info->page == priv->summary_page;
  gboolean valid = lagoon_wizard_page_get_valid (info->page);
  const char *reason = NULL;
  gboolean all_valid = TRUE;
  const char *first_reason = NULL;

  for (guint i = 0; i < priv->pages->len; i++)
    {
      PageInfo *page = g_ptr_array_index (priv->pages, i);

      if (!page_valid (page))
        {
          all_valid = FALSE;
          if (first_reason == NULL)
            first_reason = lagoon_wizard_page_get_reason (page->page);
        }
    }

  if (!valid)
    reason = lagoon_wizard_page_get_reason (info->page);
  else if (on_summary && !all_valid)
    reason = first_reason;
  if (!valid && (reason == NULL || reason[0] == '\0'))
    reason = _("This page is not complete yet.");

  gtk_widget_set_sensitive (priv->back_button, next_visible (self, priv->current, -1) >= 0);
  gtk_widget_set_visible (priv->next_button, !on_summary);
  gtk_widget_set_sensitive (priv->next_button, !on_summary && valid);
  gtk_widget_set_tooltip_text (priv->next_button, valid ? NULL : reason);
  gtk_widget_set_sensitive (priv->finish_button, on_summary && all_valid);
  gtk_widget_set_tooltip_text (priv->finish_button,
                               on_summary ? (all_valid ? NULL : reason)
                                          : _("Go through the remaining steps first."));

  if (priv->error != NULL)
    {
      gtk_label_set_text (priv->reason_label, priv->error);
      gtk_widget_show (priv->reason_box);
    }
  else if (reason != NULL)
    {
      gtk_label_set_text (priv->reason_label, reason);
      gtk_widget_show (priv->reason_box);
    }
  else
    {
      gtk_label_set_text (priv->reason_label, "");
      gtk_widget_hide (priv->reason_box);
    }

  for (guint i = 0; i < priv->pages->len; i++)
    {
      PageInfo *page = g_ptr_array_index (priv->pages, i);
      gboolean reachable = page->visited && pages_before_valid (self, i);

      gtk_widget_set_visible (page->row, page->visible);
      gtk_widget_set_sensitive (page->row, reachable || i == priv->current);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (page->row), reachable);
    }
  gtk_list_box_select_row (priv->rail, GTK_LIST_BOX_ROW (info->row));

  /* The button Enter presses looks like it. */
  if (on_summary)
    {
      gtk_style_context_remove_class (gtk_widget_get_style_context (priv->next_button),
                                      "suggested-action");
      gtk_style_context_add_class (gtk_widget_get_style_context (priv->finish_button),
                                   "suggested-action");
    }
  else
    {
      gtk_style_context_remove_class (gtk_widget_get_style_context (priv->finish_button),
                                      "suggested-action");
      gtk_style_context_add_class (gtk_widget_get_style_context (priv->next_button),
                                   "suggested-action");
    }

  /* Enter on a widget that does not use it goes to the default: Next or Finish. */
  if (on_summary)
    gtk_widget_grab_default (priv->finish_button);
  else
    gtk_widget_grab_default (priv->next_button);
}

static void
clear_summary (LagoonWizard *self)
{
  LagoonWizardPrivate *priv = lagoon_wizard_get_instance_private (self);
  g_autoptr(GList) children = gtk_container_get_children (GTK_CONTAINER (priv->summary_grid));

  for (GList *l = children; l != NULL; l = l->next)
    gtk_widget_destroy (l->data);
  priv->summary_rows = 0;
}

static void
on_page_allocated (GtkWidget    *page,
                   GdkRectangle *allocation,
                   LagoonWizard *self)
{
  g_signal_handlers_disconnect_by_func (page, on_page_allocated, self);
  if (current_info (self)->page != page)
    return;
  /* GTK may have put the focus somewhere in the page meanwhile, in no particular order:
   * start again from the top. */
  gtk_window_set_focus (GTK_WINDOW (self), NULL);
  gtk_widget_child_focus (page, GTK_DIR_TAB_FORWARD);
}

/* Keyboard users land in the page, not on the button they pressed nor in the rail. GTK orders
 * Tab by position: a page never shown yet has none, so wait for its first allocation. */
static void
focus_page (LagoonWizard *self)
{
  PageInfo *info = current_info (self);
  GtkWidget *focus = gtk_window_get_focus (GTK_WINDOW (self));

  if (!gtk_widget_get_visible (GTK_WIDGET (self)))
    return;
  g_signal_handlers_disconnect_by_func (info->page, on_page_allocated, self);
  /* (GtkStack itself may already have moved the focus into the unallocated page.) */
  if (gtk_widget_get_allocated_width (info->page) <= 1)
    {
      g_signal_connect_after (info->page, "size-allocate", G_CALLBACK (on_page_allocated), self);
      return;
    }
  if (focus != NULL && gtk_widget_is_ancestor (focus, info->page))
    return;
  gtk_widget_child_focus (info->page, GTK_DIR_TAB_FORWARD);
}

static void
show_page (LagoonWizard *self,
           guint         index)
{
  LagoonWizardPrivate *priv = lagoon_wizard_get_instance_private (self);
  PageInfo *info = g_ptr_array_index (priv->pages, index);

  priv->current = index;
  info->visited = TRUE;
  g_clear_pointer (&priv->error, g_free);

  if (info->page == priv->summary_page)
    {
      clear_summary (self);
      g_signal_emit (self, signals[SIGNAL_SUMMARIZE], 0);
    }
  g_signal_emit (self, signals[SIGNAL_PREPARE], 0, info->page);

  gtk_label_set_text (priv->heading_label, info->heading);
  gtk_stack_set_visible_child (priv->stack, info->page);
  update_state (self);

  focus_page (self);
}

static GtkWidget *
make_rail_row (const char *title)
{
  GtkWidget *label = gtk_label_new (title);
  GtkWidget *row;

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_set_margin_start (label, 12);
  gtk_widget_set_margin_end (label, 12);
  gtk_widget_set_margin_top (label, 8);
  gtk_widget_set_margin_bottom (label, 8);
  gtk_widget_show (label);
  row = gtk_list_box_row_new ();
  gtk_container_add (GTK_CONTAINER (row), label);
  atk_object_set_name (gtk_widget_get_accessible (row), title);
  gtk_widget_show (row);
  return row;
}

static void
on_page_visible (GtkWidget  *page,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  /* Pages must stay visible in the stack; hiding is done with set_page_visible(). */
  if (!gtk_widget_get_visible (page))
    gtk_widget_show (page);
}

void
lagoon_wizard_add_page (LagoonWizard *self,
                        GtkWidget    *page,
                        const char   *title,
                        const char   *heading)
{
  LagoonWizardPrivate *priv;
  PageInfo *info;
  PageState *state;

  g_return_if_fail (LAGOON_IS_WIZARD (self));
  g_return_if_fail (GTK_IS_WIDGET (page));
  g_return_if_fail (title != NULL);

  priv = lagoon_wizard_get_instance_private (self);
  info = g_new0 (PageInfo, 1);
  info->page = page;
  info->title = g_strdup (title);
  info->heading = g_strdup (heading != NULL ? heading : title);
  info->visible = TRUE;

  state = page_state_get (page);
  state->wizard = self;

  gtk_widget_show (page);
  g_signal_connect (page, "notify::visible", G_CALLBACK (on_page_visible), NULL);
  gtk_container_add (GTK_CONTAINER (priv->stack), page);

  info->row = make_rail_row (title);

  /* Before the summary, which stays last. */
  g_ptr_array_insert (priv->pages, (int) priv->pages->len - 1, info);
  gtk_list_box_insert (priv->rail, info->row, (int) priv->pages->len - 2);

  if (!priv->started)
    {
      PageInfo *first = g_ptr_array_index (priv->pages, 0);

      gtk_label_set_text (priv->heading_label, first->heading);
      gtk_stack_set_visible_child (priv->stack, first->page);
    }
  update_state (self);
}

void
lagoon_wizard_set_page_title (LagoonWizard *self,
                              GtkWidget    *page,
                              const char   *title,
                              const char   *heading)
{
  LagoonWizardPrivate *priv;
  PageInfo *info;

  g_return_if_fail (LAGOON_IS_WIZARD (self));
  g_return_if_fail (title != NULL);

  priv = lagoon_wizard_get_instance_private (self);
  info = find_page (self, page, NULL);
  g_return_if_fail (info != NULL);

  g_free (info->title);
  g_free (info->heading);
  info->title = g_strdup (title);
  info->heading = g_strdup (heading != NULL ? heading : title);
  gtk_label_set_text (GTK_LABEL (gtk_bin_get_child (GTK_BIN (info->row))), title);
  atk_object_set_name (gtk_widget_get_accessible (info->row), title);
  if (info == current_info (self))
    gtk_label_set_text (priv->heading_label, info->heading);
}

void
lagoon_wizard_set_page_visible (LagoonWizard *self,
                                GtkWidget    *page,
                                gboolean      visible)
{
  LagoonWizardPrivate *priv;
  PageInfo *info;
  guint index;

  g_return_if_fail (LAGOON_IS_WIZARD (self));

  priv = lagoon_wizard_get_instance_private (self);
  info = find_page (self, page, &index);
  g_return_if_fail (info != NULL);
  g_return_if_fail (index != priv->current || visible || !priv->started);

  if (info->visible == !!visible)
    return;
  info->visible = !!visible;
  update_state (self);
}

void
lagoon_wizard_set_summary_title (LagoonWizard *self,
                                 const char   *title,
                                 const char   *heading)
{
  LagoonWizardPrivate *priv;

  g_return_if_fail (LAGOON_IS_WIZARD (self));

  priv = lagoon_wizard_get_instance_private (self);
  lagoon_wizard_set_page_title (self, priv->summary_page, title, heading);
}

GtkBox *
lagoon_wizard_get_summary_extra (LagoonWizard *self)
{
  LagoonWizardPrivate *priv;

  g_return_val_if_fail (LAGOON_IS_WIZARD (self), NULL);

  priv = lagoon_wizard_get_instance_private (self);
  return priv->summary_extra;
}

void
lagoon_wizard_add_summary_section (LagoonWizard *self,
                                   const char   *title)
{
  LagoonWizardPrivate *priv;
  g_autofree char *markup = NULL;
  GtkWidget *label;

  g_return_if_fail (LAGOON_IS_WIZARD (self));

  priv = lagoon_wizard_get_instance_private (self);
  markup = g_markup_printf_escaped ("<b>%s</b>", title);
  label = gtk_label_new (NULL);
  gtk_label_set_markup (GTK_LABEL (label), markup);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  if (priv->summary_rows > 0)
    gtk_widget_set_margin_top (label, 12);
  gtk_widget_show (label);
  gtk_grid_attach (priv->summary_grid, label, 0, priv->summary_rows++, 2, 1);
}

void
lagoon_wizard_add_summary_row (LagoonWizard *self,
                               const char   *key,
                               const char   *value)
{
  LagoonWizardPrivate *priv;
  GtkWidget *key_label;
  GtkWidget *value_label;

  g_return_if_fail (LAGOON_IS_WIZARD (self));

  priv = lagoon_wizard_get_instance_private (self);
  key_label = gtk_label_new (key);
  gtk_label_set_xalign (GTK_LABEL (key_label), 0);
  gtk_label_set_yalign (GTK_LABEL (key_label), 0);
  gtk_widget_set_margin_start (key_label, 12);
  gtk_style_context_add_class (gtk_widget_get_style_context (key_label), "dim-label");
  value_label = gtk_label_new (value != NULL ? value : "");
  gtk_label_set_xalign (GTK_LABEL (value_label), 0);
  gtk_label_set_line_wrap (GTK_LABEL (value_label), TRUE);
  gtk_label_set_selectable (GTK_LABEL (value_label), TRUE);
  gtk_widget_set_can_focus (value_label, FALSE);
  gtk_widget_set_hexpand (value_label, TRUE);
  /* A screen reader (and an AT-SPI test) reads "key: value". */
  if (key != NULL)
    {
      g_autofree char *name = g_strdup_printf ("%s: %s", key, value != NULL ? value : "");

      atk_object_set_name (gtk_widget_get_accessible (value_label), name);
    }
  gtk_widget_show (key_label);
  gtk_widget_show (value_label);
  gtk_grid_attach (priv->summary_grid, key_label, 0, priv->summary_rows, 1, 1);
  gtk_grid_attach (priv->summary_grid, value_label, 1, priv->summary_rows, 1, 1);
  priv->summary_rows++;
}

GtkWidget *
lagoon_wizard_get_current_page (LagoonWizard *self)
{
  g_return_val_if_fail (LAGOON_IS_WIZARD (self), NULL);

  return current_info (self)->page;
}

gboolean
lagoon_wizard_is_summary_page (LagoonWizard *self)
{
  LagoonWizardPrivate *priv;

  g_return_val_if_fail (LAGOON_IS_WIZARD (self), FALSE);

  priv = lagoon_wizard_get_instance_private (self);
  return current_info (self)->page == priv->summary_page;
}

void
lagoon_wizard_go_next (LagoonWizard *self)
{
  LagoonWizardPrivate *priv;
  int next;

  g_return_if_fail (LAGOON_IS_WIZARD (self));

  priv = lagoon_wizard_get_instance_private (self);
  if (!lagoon_wizard_page_get_valid (current_info (self)->page))
    {
      gtk_widget_error_bell (GTK_WIDGET (self));
      return;
    }
  next = next_visible (self, priv->current, 1);
  if (next >= 0)
    show_page (self, next);
}

void
lagoon_wizard_go_back (LagoonWizard *self)
{
  LagoonWizardPrivate *priv;
  int back;

  g_return_if_fail (LAGOON_IS_WIZARD (self));

  priv = lagoon_wizard_get_instance_private (self);
  back = next_visible (self, priv->current, -1);
  if (back >= 0)
    show_page (self, back);
}

gboolean
lagoon_wizard_go_to_page (LagoonWizard *self,
                          GtkWidget    *page)
{
  LagoonWizardPrivate *priv;
  PageInfo *info;
  guint index;

  g_return_val_if_fail (LAGOON_IS_WIZARD (self), FALSE);

  priv = lagoon_wizard_get_instance_private (self);
  info = find_page (self, page, &index);
  if (info == NULL || !info->visible || !info->visited || !pages_before_valid (self, index))
    return FALSE;
  if (index != priv->current)
    show_page (self, index);
  return TRUE;
}

void
lagoon_wizard_forget_visits_after (LagoonWizard *self,
                                   GtkWidget    *page)
{
  LagoonWizardPrivate *priv;
  guint index;

  g_return_if_fail (LAGOON_IS_WIZARD (self));

  priv = lagoon_wizard_get_instance_private (self);
  if (find_page (self, page, &index) == NULL)
    return;
  for (guint i = index + 1; i < priv->pages->len; i++)
    if (i != priv->current)
      ((PageInfo *) g_ptr_array_index (priv->pages, i))->visited = FALSE;
  update_state (self);
}

void
lagoon_wizard_show_error (LagoonWizard *self,
                          const char   *message)
{
  LagoonWizardPrivate *priv;

  g_return_if_fail (LAGOON_IS_WIZARD (self));

  priv = lagoon_wizard_get_instance_private (self);
  g_free (priv->error);
  priv->error = g_strdup (message);
  update_state (self);
}

void
lagoon_wizard_page_set_valid (GtkWidget  *page,
                              gboolean    valid,
                              const char *reason)
{
  PageState *state;

  g_return_if_fail (GTK_IS_WIDGET (page));

  state = page_state_get (page);
  valid = !!valid;
  if (state->valid == valid && g_strcmp0 (state->reason, valid ? NULL : reason) == 0)
    return;
  state->valid = valid;
  g_free (state->reason);
  state->reason = valid ? NULL : g_strdup (reason);

  if (state->wizard != NULL)
    {
      LagoonWizardPrivate *priv = lagoon_wizard_get_instance_private (state->wizard);

      g_clear_pointer (&priv->error, g_free);
      update_state (state->wizard);
    }
}

gboolean
lagoon_wizard_page_get_valid (GtkWidget *page)
{
  PageState *state;

  g_return_val_if_fail (GTK_IS_WIDGET (page), FALSE);

  state = g_object_get_qdata (G_OBJECT (page), page_state_quark ());
  return state == NULL || state->valid;
}

const char *
lagoon_wizard_page_get_reason (GtkWidget *page)
{
  PageState *state;

  g_return_val_if_fail (GTK_IS_WIDGET (page), NULL);

  state = g_object_get_qdata (G_OBJECT (page), page_state_quark ());
  return state != NULL ? state->reason : NULL;
}

static void
on_back_clicked (LagoonWizard *self)
{
  lagoon_wizard_go_back (self);
}

static void
on_next_clicked (LagoonWizard *self)
{
  lagoon_wizard_go_next (self);
}

static void
on_finish_clicked (LagoonWizard *self)
{
  LagoonWizardPrivate *priv = lagoon_wizard_get_instance_private (self);
  g_autoptr(GError) error = NULL;

  if (!lagoon_wizard_is_summary_page (self) || !gtk_widget_get_sensitive (priv->finish_button))
    {
      gtk_widget_error_bell (GTK_WIDGET (self));
      return;
    }

  if (LAGOON_WIZARD_GET_CLASS (self)->finish (self, &error))
    {
      gtk_widget_destroy (GTK_WIDGET (self));
      return;
    }
  lagoon_wizard_show_error (self, error != NULL ? error->message
                                                : _("The wizard could not finish."));
}

static void
on_cancel_clicked (LagoonWizard *self)
{
  gtk_widget_destroy (GTK_WIDGET (self));
}

static void
on_rail_row_activated (GtkListBox    *box,
                       GtkListBoxRow *row,
                       LagoonWizard  *self)
{
  LagoonWizardPrivate *priv = lagoon_wizard_get_instance_private (self);

  for (guint i = 0; i < priv->pages->len; i++)
    {
      PageInfo *info = g_ptr_array_index (priv->pages, i);

      if (info->row == GTK_WIDGET (row))
        {
          if (!lagoon_wizard_go_to_page (self, info->page))
            update_state (self);
          return;
        }
    }
}

/* Whether the focused widget does something with Enter itself. */
static gboolean
focus_uses_enter (GtkWidget *focus)
{
  return GTK_IS_BUTTON (focus) || GTK_IS_TEXT_VIEW (focus) || GTK_IS_TREE_VIEW (focus) ||
         GTK_IS_LIST_BOX_ROW (focus) || GTK_IS_LIST_BOX (focus) || GTK_IS_COMBO_BOX (focus) ||
         GTK_IS_FLOW_BOX_CHILD (focus) || GTK_IS_ICON_VIEW (focus) || GTK_IS_LINK_BUTTON (focus);
}

static gboolean
lagoon_wizard_key_press_event (GtkWidget   *widget,
                               GdkEventKey *event)
{
  LagoonWizard *self = LAGOON_WIZARD (widget);
  GdkModifierType mods = event->state & gtk_accelerator_get_default_mod_mask ();
  GtkWidget *focus = gtk_window_get_focus (GTK_WINDOW (self));

  if (mods == GDK_MOD1_MASK && event->keyval == GDK_KEY_Page_Down)
    {
      if (lagoon_wizard_is_summary_page (self))
        gtk_widget_error_bell (widget);
      else
        lagoon_wizard_go_next (self);
      return GDK_EVENT_STOP;
    }
  if (mods == GDK_MOD1_MASK && event->keyval == GDK_KEY_Page_Up)
    {
      lagoon_wizard_go_back (self);
      return GDK_EVENT_STOP;
    }

  if (mods == 0 && (event->keyval == GDK_KEY_Return || event->keyval == GDK_KEY_KP_Enter ||
                    event->keyval == GDK_KEY_ISO_Enter) &&
      !focus_uses_enter (focus))
    {
      /* Take what is typed in a spin button before deciding. */
      if (GTK_IS_SPIN_BUTTON (focus))
        gtk_spin_button_update (GTK_SPIN_BUTTON (focus));
      if (lagoon_wizard_is_summary_page (self))
        on_finish_clicked (self);
      else
        lagoon_wizard_go_next (self);
      return GDK_EVENT_STOP;
    }

  if (GTK_WIDGET_CLASS (lagoon_wizard_parent_class)->key_press_event (widget, event))
    return GDK_EVENT_STOP;

  if (mods == 0 && event->keyval == GDK_KEY_Escape)
    {
      on_cancel_clicked (self);
      return GDK_EVENT_STOP;
    }
  return GDK_EVENT_PROPAGATE;
}

static void
lagoon_wizard_show (GtkWidget *widget)
{
  LagoonWizard *self = LAGOON_WIZARD (widget);
  LagoonWizardPrivate *priv = lagoon_wizard_get_instance_private (self);

  if (!priv->started)
    {
      int first = next_visible (self, -1, 1);

      priv->started = TRUE;
      show_page (self, first >= 0 ? (guint) first : priv->pages->len - 1);
    }
  GTK_WIDGET_CLASS (lagoon_wizard_parent_class)->show (widget);
  focus_page (self);
}

static gboolean
lagoon_wizard_real_finish (LagoonWizard  *self,
                           GError       **error)
{
  return TRUE;
}

static void
lagoon_wizard_finalize (GObject *object)
{
  LagoonWizard *self = LAGOON_WIZARD (object);
  LagoonWizardPrivate *priv = lagoon_wizard_get_instance_private (self);

  g_clear_pointer (&priv->pages, g_ptr_array_unref);
  g_clear_pointer (&priv->error, g_free);

  G_OBJECT_CLASS (lagoon_wizard_parent_class)->finalize (object);
}

/* <child type="page"> in a subclass's template adds a page; its title is set afterwards with
 * lagoon_wizard_set_page_title(). */
static void
lagoon_wizard_buildable_add_child (GtkBuildable *buildable,
                                   GtkBuilder   *builder,
                                   GObject      *child,
                                   const char   *type)
{
  if (g_strcmp0 (type, "page") == 0 && GTK_IS_WIDGET (child))
    {
      lagoon_wizard_add_page (LAGOON_WIZARD (buildable), GTK_WIDGET (child), "", NULL);
      return;
    }
  parent_buildable_iface->add_child (buildable, builder, child, type);
}

static void
lagoon_wizard_buildable_init (GtkBuildableIface *iface)
{
  parent_buildable_iface = g_type_interface_peek_parent (iface);
  iface->add_child = lagoon_wizard_buildable_add_child;
}

static void
lagoon_wizard_class_init (LagoonWizardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = lagoon_wizard_finalize;
  widget_class->key_press_event = lagoon_wizard_key_press_event;
  widget_class->show = lagoon_wizard_show;
  klass->finish = lagoon_wizard_real_finish;

  /**
   * LagoonWizard::prepare:
   * @page: the page about to be shown
   *
   * Emitted each time @page becomes the current page, before it is shown.
   */
  signals[SIGNAL_PREPARE] =
    g_signal_new ("prepare",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  G_STRUCT_OFFSET (LagoonWizardClass, prepare),
                  NULL, NULL, NULL,
                  G_TYPE_NONE, 1, GTK_TYPE_WIDGET);

  /**
   * LagoonWizard::summarize:
   *
   * Emitted before the summary page is shown, after it was cleared.
   */
  signals[SIGNAL_SUMMARIZE] =
    g_signal_new ("summarize",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  G_STRUCT_OFFSET (LagoonWizardClass, summarize),
                  NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  lagoon_ui_register_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/dev/lagoon/Lagoon/lagoon-wizard.ui");
  gtk_widget_class_bind_template_child_private (widget_class, LagoonWizard, rail);
  gtk_widget_class_bind_template_child_private (widget_class, LagoonWizard, heading_label);
  gtk_widget_class_bind_template_child_private (widget_class, LagoonWizard, stack);
  gtk_widget_class_bind_template_child_private (widget_class, LagoonWizard, summary_page);
  gtk_widget_class_bind_template_child_private (widget_class, LagoonWizard, summary_grid);
  gtk_widget_class_bind_template_child_private (widget_class, LagoonWizard, summary_extra);
  gtk_widget_class_bind_template_child_private (widget_class, LagoonWizard, reason_box);
  gtk_widget_class_bind_template_child_private (widget_class, LagoonWizard, reason_label);
  gtk_widget_class_bind_template_child_private (widget_class, LagoonWizard, back_button);
  gtk_widget_class_bind_template_child_private (widget_class, LagoonWizard, next_button);
  gtk_widget_class_bind_template_child_private (widget_class, LagoonWizard, finish_button);
  gtk_widget_class_bind_template_child_private (widget_class, LagoonWizard, cancel_button);
  gtk_widget_class_bind_template_callback (widget_class, on_back_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_next_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_finish_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_cancel_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_rail_row_activated);
}

static void
lagoon_wizard_init (LagoonWizard *self)
{
  LagoonWizardPrivate *priv = lagoon_wizard_get_instance_private (self);
  PageInfo *summary;

  gtk_widget_init_template (GTK_WIDGET (self));

  priv->pages = g_ptr_array_new_with_free_func (page_info_free);

  summary = g_new0 (PageInfo, 1);
  summary->page = priv->summary_page;
  summary->title = g_strdup (_("Finish"));
  summary->heading = g_strdup (_("Ready to finish"));
  summary->visible = TRUE;
  page_state_get (priv->summary_page)->wizard = self;
  summary->row = make_rail_row (summary->title);
  gtk_list_box_insert (priv->rail, summary->row, -1);
  g_ptr_array_add (priv->pages, summary);

  gtk_label_set_text (priv->heading_label, summary->heading);
  update_state (self);
}
