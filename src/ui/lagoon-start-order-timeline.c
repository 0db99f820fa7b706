/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-start-order-timeline"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "lagoon-start-order-timeline.h"

/* Layout, in pixels. */
#define MARGIN       10.0
#define HEADER       24.0
#define CHIP_H       26.0
#define CHIP_GAP      4.0
#define COL_W       150.0
#define LEAD_W       26.0
#define GAP_MIN      44.0
#define GAP_MAX_S   120      /* delays longer than this are drawn as this long */
#define PX_PER_S      1.0
#define DRAG_START    6.0

typedef struct
{
  GtkTreePath *path;
  char        *name;
  int          order;
  int          delay;
  gboolean     selected;
  double       x, y;
} Item;

typedef struct
{
  int        order;
  int        delay;     /* the longest start delay of the group: the wait before the next */
  double     x;
  double     gap;       /* pixels to the next group */
  GPtrArray *items;     /* Item *, not owned */
} Group;

struct _LagoonStartOrderTimeline
{
  GtkDrawingArea    parent_instance;

  GtkTreeModel     *model;
  GtkTreeSelection *selection;
  int               name_column;
  int               order_column;
  int               delay_column;

  GPtrArray        *items;    /* Item *, in timeline order */
  GArray           *groups;   /* Group */
  double            new_x;    /* the "new group" slot */
  double            width;
  double            height;

  int               cursor;   /* keyboard position in items, or -1 */
  gboolean          pressed;
  gboolean          dragging;
  double            press_x, press_y;
  double            drag_x, drag_y;
  int               drag_item;
  guint             relayout_id;
};

G_DEFINE_FINAL_TYPE (LagoonStartOrderTimeline, lagoon_start_order_timeline,
                     GTK_TYPE_DRAWING_AREA)

enum {
  MOVE_TO_ORDER,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
item_free (gpointer data)
{
  Item *item = data;

  gtk_tree_path_free (item->path);
  g_free (item->name);
  g_free (item);
}

static void
group_clear (gpointer data)
{
  Group *group = data;

  g_clear_pointer (&group->items, g_ptr_array_unref);
}

static gint
item_compare (gconstpointer a,
              gconstpointer b)
{
  const Item *x = *(const Item *const *) a;
  const Item *y = *(const Item *const *) b;

  if (x->order != y->order)
    return x->order < y->order ? -1 : 1;
  return g_utf8_collate (x->name, y->name);
}

/* ---- layout ------------------------------------------------------------------------------ */

static void
relayout (LagoonStartOrderTimeline *self)
{
  g_autofree char *cursor_path = NULL;
  GtkTreeIter iter;
  double x;
  guint max_items = 1;

  if (self->cursor >= 0 && (guint) self->cursor < self->items->len)
    cursor_path = gtk_tree_path_to_string (((Item *) self->items->pdata[self->cursor])->path);
  g_ptr_array_set_size (self->items, 0);
  g_array_set_size (self->groups, 0);
  self->cursor = -1;

  if (self->model != NULL && gtk_tree_model_get_iter_first (self->model, &iter))
    {
      do
        {
          Item *item = g_new0 (Item, 1);

          gtk_tree_model_get (self->model, &iter, self->name_column, &item->name,
                              self->order_column, &item->order,
                              self->delay_column, &item->delay, -1);
          if (item->name == NULL)
            item->name = g_strdup ("");
          item->path = gtk_tree_model_get_path (self->model, &iter);
          item->selected = self->selection != NULL &&
                           gtk_tree_selection_iter_is_selected (self->selection, &iter);
          g_ptr_array_add (self->items, item);
        }
      while (gtk_tree_model_iter_next (self->model, &iter));
    }
  g_ptr_array_sort (self->items, item_compare);

  for (guint i = 0; i < self->items->len; i++)
    {
      Item *item = self->items->pdata[i];
      Group *group = self->groups->len > 0
                       ? &g_array_index (self->groups, Group, self->groups->len - 1) : NULL;
      g_autofree char *path = gtk_tree_path_to_string (item->path);

      if (group == NULL || group->order != item->order)
        {
          Group fresh = { .order = item->order, .delay = 0,
                          .items = g_ptr_array_new () };

          g_array_append_val (self->groups, fresh);
          group = &g_array_index (self->groups, Group, self->groups->len - 1);
        }
      group->delay = MAX (group->delay, item->delay);
      g_ptr_array_add (group->items, item);
      max_items = MAX (max_items, group->items->len);
      if (cursor_path != NULL && g_str_equal (path, cursor_path))
        self->cursor = (int) i;
    }

  x = MARGIN + LEAD_W + GAP_MIN;
  for (guint g = 0; g < self->groups->len; g++)
    {
      Group *group = &g_array_index (self->groups, Group, g);

      group->x = x;
      for (guint i = 0; i < group->items->len; i++)
        {
          Item *item = group->items->pdata[i];

          item->x = x;
          item->y = MARGIN + HEADER + i * (CHIP_H + CHIP_GAP);
        }
      group->gap = GAP_MIN + MIN (MAX (group->delay, 0), GAP_MAX_S) * PX_PER_S;
      x += COL_W + (g + 1 < self->groups->len ? group->gap : GAP_MIN);
    }
  self->new_x = x;
  self->width = x + COL_W + MARGIN;
  self->height = MARGIN + HEADER + max_items * (CHIP_H + CHIP_GAP) + MARGIN;

  gtk_widget_set_size_request (GTK_WIDGET (self), (int) ceil (self->width),
                               (int) ceil (self->height));
  gtk_widget_queue_draw (GTK_WIDGET (self));

  {
    g_autofree char *text = lagoon_start_order_timeline_describe (self);
    AtkObject *accessible = gtk_widget_get_accessible (GTK_WIDGET (self));

    if (accessible != NULL)
      atk_object_set_description (accessible, text);
    gtk_widget_set_tooltip_text (GTK_WIDGET (self), text);
  }
}

static gboolean
relayout_idle (gpointer user_data)
{
  LagoonStartOrderTimeline *self = user_data;

  self->relayout_id = 0;
  relayout (self);
  return G_SOURCE_REMOVE;
}

static void
queue_relayout (LagoonStartOrderTimeline *self)
{
  if (self->relayout_id == 0)
    self->relayout_id = g_idle_add_full (G_PRIORITY_HIGH_IDLE, relayout_idle, self, NULL);
}

char *
lagoon_start_order_timeline_describe (LagoonStartOrderTimeline *self)
{
  GString *text;

  g_return_val_if_fail (LAGOON_IS_START_ORDER_TIMELINE (self), NULL);

  if (self->relayout_id != 0)
    {
      g_clear_handle_id (&self->relayout_id, g_source_remove);
      relayout (self);
    }
  if (self->groups->len == 0)
    return g_strdup (_("No VMs in the start sequence."));

  text = g_string_new (NULL);

  for (guint g = 0; g < self->groups->len; g++)
    {
      Group *group = &g_array_index (self->groups, Group, g);

      if (g > 0)
        g_string_append_c (text, ' ');
      /* Translators: one group of a vApp's start sequence, followed by its VMs' names */
      g_string_append_printf (text, _("Order %d:"), group->order);
      for (guint i = 0; i < group->items->len; i++)
        g_string_append_printf (text, "%s %s", i > 0 ? "," : "",
                                ((Item *) group->items->pdata[i])->name);
      if (g + 1 < self->groups->len)
        /* Translators: the wait between two groups of a vApp's start sequence */
        g_string_append_printf (text, _("; then wait %d s."), group->delay);
      else
        g_string_append_c (text, '.');
    }
  return g_string_free (text, FALSE);
}

/* ---- drop targets ------------------------------------------------------------------------ */

/* The order a drop at @x gives, or -1 for a new group before all (G_MININT: none). */
static int
order_at (LagoonStartOrderTimeline *self,
          double                    x)
{
  if (self->groups->len == 0)
    return G_MININT;

  for (guint g = 0; g < self->groups->len; g++)
    {
      Group *group = &g_array_index (self->groups, Group, g);
      double before = g == 0 ? GAP_MIN / 2
                             : g_array_index (self->groups, Group, g - 1).gap / 2;
      double after = g + 1 < self->groups->len ? group->gap / 2 : GAP_MIN / 2;

      if (g == 0 && x < group->x - before)
        return group->order > 0 ? group->order - 1 : -1;
      if (x < group->x + COL_W + after)
        return group->order;
    }
  return g_array_index (self->groups, Group, self->groups->len - 1).order + 1;
}

static int
item_at (LagoonStartOrderTimeline *self,
         double                    x,
         double                    y)
{
  for (guint i = 0; i < self->items->len; i++)
    {
      Item *item = self->items->pdata[i];

      if (x >= item->x && x < item->x + COL_W && y >= item->y && y < item->y + CHIP_H)
        return (int) i;
    }
  return -1;
}

/* Whether moving the selection to @order changes anything. */
static gboolean
move_changes (LagoonStartOrderTimeline *self,
              int                       order)
{
  int min_other = G_MAXINT;
  gboolean any = FALSE;

  for (guint i = 0; i < self->items->len; i++)
    {
      Item *item = self->items->pdata[i];

      if (!item->selected)
        min_other = MIN (min_other, item->order);
      else if (order >= 0 && item->order != order)
        any = TRUE;
    }
  if (order >= 0)
    return any;
  /* A new first group: only if some selected VM is not already before every other. */
  for (guint i = 0; i < self->items->len; i++)
    {
      Item *item = self->items->pdata[i];

      if (item->selected && item->order >= min_other)
        return TRUE;
    }
  return FALSE;
}

static gboolean
emit_move (LagoonStartOrderTimeline *self,
           int                       order)
{
  if (order == G_MININT || !move_changes (self, order))
    return FALSE;
  g_signal_emit (self, signals[MOVE_TO_ORDER], 0, order);
  queue_relayout (self);
  return TRUE;
}

gboolean
lagoon_start_order_timeline_move_selection (LagoonStartOrderTimeline *self,
                                            int                       direction)
{
  int lo = G_MAXINT, hi = G_MININT;
  int lo_group = -1, hi_group = -1;

  g_return_val_if_fail (LAGOON_IS_START_ORDER_TIMELINE (self), FALSE);

  if (self->relayout_id != 0)
    {
      g_clear_handle_id (&self->relayout_id, g_source_remove);
      relayout (self);
    }
  for (guint g = 0; g < self->groups->len; g++)
    {
      Group *group = &g_array_index (self->groups, Group, g);

      for (guint i = 0; i < group->items->len; i++)
        if (((Item *) group->items->pdata[i])->selected)
          {
            if (group->order < lo)
              lo = group->order, lo_group = (int) g;
            if (group->order > hi)
              hi = group->order, hi_group = (int) g;
          }
    }
  if (lo_group < 0)
    return FALSE;

  if (direction < 0)
    {
      if (lo_group > 0)
        {
          /* Into the previous group; a selection spread over groups first gathers. */
          Group *prev = &g_array_index (self->groups, Group, lo_group - 1);
          return emit_move (self, hi_group != lo_group ? lo : prev->order);
        }
      if (hi_group != lo_group)
        return emit_move (self, lo);
      return emit_move (self, lo > 0 ? lo - 1 : -1);
    }
  else
    {
      if (hi_group + 1 < (int) self->groups->len)
        {
          Group *next = &g_array_index (self->groups, Group, hi_group + 1);
          return emit_move (self, hi_group != lo_group ? hi : next->order);
        }
      if (hi_group != lo_group)
        return emit_move (self, hi);
      /* The last group: a new group after it, unless the selection is that whole group. */
      {
        Group *last = &g_array_index (self->groups, Group, hi_group);
        gboolean all_selected = TRUE;

        for (guint i = 0; i < last->items->len; i++)
          all_selected &= ((Item *) last->items->pdata[i])->selected;
        if (all_selected)
          return FALSE;
      }
      return emit_move (self, hi + 1);
    }
}

/* ---- selection --------------------------------------------------------------------------- */

static void
select_only (LagoonStartOrderTimeline *self,
             int                       index,
             gboolean                  toggle)
{
  Item *item;
  GtkTreeIter iter;

  if (self->selection == NULL || index < 0 || (guint) index >= self->items->len)
    return;
  item = self->items->pdata[index];
  if (!gtk_tree_model_get_iter (self->model, &iter, item->path))
    return;
  if (toggle)
    {
      if (gtk_tree_selection_iter_is_selected (self->selection, &iter))
        gtk_tree_selection_unselect_iter (self->selection, &iter);
      else
        gtk_tree_selection_select_iter (self->selection, &iter);
    }
  else
    {
      gtk_tree_selection_unselect_all (self->selection);
      gtk_tree_selection_select_iter (self->selection, &iter);
    }
  self->cursor = index;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* ---- drawing ----------------------------------------------------------------------------- */

static void
rounded_rect (cairo_t *cr,
              double   x,
              double   y,
              double   w,
              double   h,
              double   r)
{
  cairo_new_sub_path (cr);
  cairo_arc (cr, x + w - r, y + r, r, -G_PI / 2, 0);
  cairo_arc (cr, x + w - r, y + h - r, r, 0, G_PI / 2);
  cairo_arc (cr, x + r, y + h - r, r, G_PI / 2, G_PI);
  cairo_arc (cr, x + r, y + r, r, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
}

static void
draw_text (LagoonStartOrderTimeline *self,
           cairo_t                  *cr,
           const char               *text,
           double                    x,
           double                    y,
           double                    width,
           gboolean                  center,
           gboolean                  bold)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
  int tw, th;

  pango_layout_set_width (layout, (int) (width * PANGO_SCALE));
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
  pango_layout_set_alignment (layout, center ? PANGO_ALIGN_CENTER : PANGO_ALIGN_LEFT);
  if (bold)
    {
      PangoAttrList *attrs = pango_attr_list_new ();
      pango_attr_list_insert (attrs, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
      pango_layout_set_attributes (layout, attrs);
      pango_attr_list_unref (attrs);
    }
  pango_layout_get_pixel_size (layout, &tw, &th);
  cairo_move_to (cr, x, y - th / 2.0);
  pango_cairo_show_layout (cr, layout);
  g_object_unref (layout);
}

static void
set_color (cairo_t       *cr,
           const GdkRGBA *color,
           double         alpha)
{
  cairo_set_source_rgba (cr, color->red, color->green, color->blue, color->alpha * alpha);
}

static gboolean
lagoon_start_order_timeline_draw (GtkWidget *widget,
                                  cairo_t   *cr)
{
  LagoonStartOrderTimeline *self = LAGOON_START_ORDER_TIMELINE (widget);
  GtkStyleContext *style = gtk_widget_get_style_context (widget);
  GdkRGBA fg, accent;
  double chips_h = self->height - MARGIN - HEADER - MARGIN;
  double dashes[] = { 4.0, 3.0 };
  int target = G_MININT;

  gtk_render_background (style, cr, 0, 0, gtk_widget_get_allocated_width (widget),
                         gtk_widget_get_allocated_height (widget));
  gtk_style_context_get_color (style, gtk_style_context_get_state (style), &fg);
  if (!gtk_style_context_lookup_color (style, "theme_selected_bg_color", &accent))
    gdk_rgba_parse (&accent, "#3584e4");

  if (self->dragging)
    target = order_at (self, self->drag_x);

  cairo_set_line_width (cr, 1.0);

  /* The slots before the first and after the last group. */
  cairo_save (cr);
  cairo_set_dash (cr, dashes, 2, 0);
  set_color (cr, target == -1 || (self->groups->len > 0 && target >= 0 &&
                                  target < g_array_index (self->groups, Group, 0).order)
                 ? &accent : &fg, 0.35);
  rounded_rect (cr, MARGIN + 0.5, MARGIN + HEADER + 0.5, LEAD_W - 1, chips_h - CHIP_GAP, 4);
  cairo_stroke (cr);
  set_color (cr, self->groups->len > 0 && target > g_array_index (self->groups, Group,
                                                                  self->groups->len - 1).order
                 ? &accent : &fg, 0.35);
  rounded_rect (cr, self->new_x + 0.5, MARGIN + HEADER + 0.5, COL_W - 1, chips_h - CHIP_GAP, 4);
  cairo_stroke (cr);
  cairo_restore (cr);
  set_color (cr, &fg, 0.55);
  draw_text (self, cr, _("New group"), self->new_x, MARGIN + HEADER + chips_h / 2 - 2, COL_W,
             TRUE, FALSE);
  draw_text (self, cr, "+", MARGIN, MARGIN + HEADER + chips_h / 2 - 2, LEAD_W, TRUE, FALSE);

  for (guint g = 0; g < self->groups->len; g++)
    {
      Group *group = &g_array_index (self->groups, Group, g);
      g_autofree char *header = g_strdup_printf (_("Order %d"), group->order);

      /* A drop target is outlined. */
      if (self->dragging && target == group->order)
        {
          set_color (cr, &accent, 0.15);
          rounded_rect (cr, group->x - 4, MARGIN + 2, COL_W + 8, self->height - 2 * MARGIN, 6);
          cairo_fill (cr);
        }
      set_color (cr, &fg, 0.9);
      draw_text (self, cr, header, group->x, MARGIN + HEADER / 2 - 2, COL_W, TRUE, TRUE);

      if (g + 1 < self->groups->len)
        {
          double y = MARGIN + HEADER + CHIP_H / 2;
          double x0 = group->x + COL_W + 4, x1 = group->x + COL_W + group->gap - 4;
          /* Translators: a delay in seconds, drawn between two groups */
          g_autofree char *label = g_strdup_printf (_("%d s"), group->delay);

          set_color (cr, &fg, 0.5);
          cairo_move_to (cr, x0, y + 0.5);
          cairo_line_to (cr, x1, y + 0.5);
          cairo_stroke (cr);
          cairo_move_to (cr, x1, y + 0.5);
          cairo_line_to (cr, x1 - 6, y - 3.5);
          cairo_line_to (cr, x1 - 6, y + 4.5);
          cairo_close_path (cr);
          cairo_fill (cr);
          set_color (cr, &fg, 0.8);
          draw_text (self, cr, label, x0, y - 10, x1 - x0, TRUE, FALSE);
        }

      for (guint i = 0; i < group->items->len; i++)
        {
          Item *item = group->items->pdata[i];
          int index = -1;

          for (guint k = 0; k < self->items->len; k++)
            if (self->items->pdata[k] == item)
              index = (int) k;

          rounded_rect (cr, item->x + 0.5, item->y + 0.5, COL_W - 1, CHIP_H - 1, 5);
          set_color (cr, item->selected ? &accent : &fg, item->selected ? 0.85 : 0.08);
          cairo_fill_preserve (cr);
          set_color (cr, &fg, 0.3);
          cairo_stroke (cr);
          if (index == self->cursor && gtk_widget_has_focus (widget))
            {
              cairo_save (cr);
              cairo_set_dash (cr, dashes, 2, 0);
              set_color (cr, &fg, 0.9);
              rounded_rect (cr, item->x + 2.5, item->y + 2.5, COL_W - 5, CHIP_H - 5, 4);
              cairo_stroke (cr);
              cairo_restore (cr);
            }
          if (item->selected)
            cairo_set_source_rgb (cr, 1, 1, 1);
          else
            set_color (cr, &fg, 1.0);
          draw_text (self, cr, item->name, item->x + 8, item->y + CHIP_H / 2, COL_W - 16,
                     FALSE, FALSE);
        }
    }

  /* The dragged VM follows the pointer. */
  if (self->dragging && self->drag_item >= 0 && (guint) self->drag_item < self->items->len)
    {
      Item *item = self->items->pdata[self->drag_item];
      double x = self->drag_x - (self->press_x - item->x);
      double y = self->drag_y - (self->press_y - item->y);

      rounded_rect (cr, x + 0.5, y + 0.5, COL_W - 1, CHIP_H - 1, 5);
      set_color (cr, &accent, 0.6);
      cairo_fill (cr);
      cairo_set_source_rgb (cr, 1, 1, 1);
      draw_text (self, cr, item->name, x + 8, y + CHIP_H / 2, COL_W - 16, FALSE, FALSE);
    }
  return FALSE;
}

/* ---- input ------------------------------------------------------------------------------- */

static gboolean
lagoon_start_order_timeline_button_press (GtkWidget      *widget,
                                          GdkEventButton *event)
{
  LagoonStartOrderTimeline *self = LAGOON_START_ORDER_TIMELINE (widget);
  int index;

  if (event->button != GDK_BUTTON_PRIMARY || event->type != GDK_BUTTON_PRESS)
    return GDK_EVENT_PROPAGATE;

  gtk_widget_grab_focus (widget);
  index = item_at (self, event->x, event->y);
  if (index < 0)
    return GDK_EVENT_STOP;
  if ((event->state & GDK_CONTROL_MASK) != 0)
    select_only (self, index, TRUE);
  else if (!((Item *) self->items->pdata[index])->selected)
    select_only (self, index, FALSE);
  else
    self->cursor = index;
  self->pressed = TRUE;
  self->drag_item = index;
  self->press_x = self->drag_x = event->x;
  self->press_y = self->drag_y = event->y;
  return GDK_EVENT_STOP;
}

static gboolean
lagoon_start_order_timeline_motion (GtkWidget      *widget,
                                    GdkEventMotion *event)
{
  LagoonStartOrderTimeline *self = LAGOON_START_ORDER_TIMELINE (widget);

  if (!self->pressed)
    return GDK_EVENT_PROPAGATE;
  self->drag_x = event->x;
  self->drag_y = event->y;
  if (!self->dragging && hypot (event->x - self->press_x, event->y - self->press_y) >= DRAG_START)
    self->dragging = TRUE;
  if (self->dragging)
    gtk_widget_queue_draw (widget);
  return GDK_EVENT_STOP;
}

static gboolean
lagoon_start_order_timeline_button_release (GtkWidget      *widget,
                                            GdkEventButton *event)
{
  LagoonStartOrderTimeline *self = LAGOON_START_ORDER_TIMELINE (widget);
  gboolean dragging = self->dragging;

  if (event->button != GDK_BUTTON_PRIMARY || !self->pressed)
    return GDK_EVENT_PROPAGATE;
  self->pressed = FALSE;
  self->dragging = FALSE;
  if (dragging)
    emit_move (self, order_at (self, event->x));
  else if ((event->state & GDK_CONTROL_MASK) == 0 && self->drag_item >= 0)
    select_only (self, self->drag_item, FALSE);
  gtk_widget_queue_draw (widget);
  return GDK_EVENT_STOP;
}

static gboolean
lagoon_start_order_timeline_key_press (GtkWidget   *widget,
                                       GdkEventKey *event)
{
  LagoonStartOrderTimeline *self = LAGOON_START_ORDER_TIMELINE (widget);
  gboolean toggle = (event->state & GDK_CONTROL_MASK) != 0;

  switch (event->keyval)
    {
    case GDK_KEY_Left:
    case GDK_KEY_KP_Left:
      lagoon_start_order_timeline_move_selection (self, -1);
      return GDK_EVENT_STOP;
    case GDK_KEY_Right:
    case GDK_KEY_KP_Right:
      lagoon_start_order_timeline_move_selection (self, +1);
      return GDK_EVENT_STOP;
    case GDK_KEY_Up:
    case GDK_KEY_KP_Up:
      if (self->items->len > 0)
        {
          int to = self->cursor <= 0 ? 0 : self->cursor - 1;
          if (toggle)
            self->cursor = to, gtk_widget_queue_draw (widget);
          else
            select_only (self, to, FALSE);
        }
      return GDK_EVENT_STOP;
    case GDK_KEY_Down:
    case GDK_KEY_KP_Down:
      if (self->items->len > 0)
        {
          int to = MIN (self->cursor + 1, (int) self->items->len - 1);
          if (toggle)
            self->cursor = to, gtk_widget_queue_draw (widget);
          else
            select_only (self, to, FALSE);
        }
      return GDK_EVENT_STOP;
    case GDK_KEY_space:
      if (self->cursor >= 0)
        select_only (self, self->cursor, toggle);
      return GDK_EVENT_STOP;
    default:
      return GTK_WIDGET_CLASS (lagoon_start_order_timeline_parent_class)->key_press_event (widget,
                                                                                         event);
    }
}

static gboolean
lagoon_start_order_timeline_focus_in (GtkWidget     *widget,
                                      GdkEventFocus *event)
{
  LagoonStartOrderTimeline *self = LAGOON_START_ORDER_TIMELINE (widget);

  if (self->cursor < 0)
    {
      for (guint i = 0; i < self->items->len && self->cursor < 0; i++)
        if (((Item *) self->items->pdata[i])->selected)
          self->cursor = (int) i;
      if (self->cursor < 0 && self->items->len > 0)
        self->cursor = 0;
    }
  gtk_widget_queue_draw (widget);
  return GDK_EVENT_PROPAGATE;
}

static gboolean
lagoon_start_order_timeline_focus_out (GtkWidget     *widget,
                                       GdkEventFocus *event)
{
  gtk_widget_queue_draw (widget);
  return GDK_EVENT_PROPAGATE;
}

/* ---- model ------------------------------------------------------------------------------- */

static void
on_model_changed (LagoonStartOrderTimeline *self)
{
  queue_relayout (self);
}

static void
disconnect_model (LagoonStartOrderTimeline *self)
{
  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  g_clear_object (&self->model);
  g_clear_object (&self->selection);
}

void
lagoon_start_order_timeline_set_model (LagoonStartOrderTimeline *self,
                                       GtkTreeModel             *model,
                                       GtkTreeSelection         *selection,
                                       int                       name_column,
                                       int                       order_column,
                                       int                       delay_column)
{
  g_return_if_fail (LAGOON_IS_START_ORDER_TIMELINE (self));
  g_return_if_fail (model == NULL || GTK_IS_TREE_MODEL (model));

  disconnect_model (self);
  if (model != NULL)
    {
      self->model = g_object_ref (model);
      g_signal_connect_swapped (model, "row-changed", G_CALLBACK (on_model_changed), self);
      g_signal_connect_swapped (model, "row-inserted", G_CALLBACK (on_model_changed), self);
      g_signal_connect_swapped (model, "row-deleted", G_CALLBACK (on_model_changed), self);
      g_signal_connect_swapped (model, "rows-reordered", G_CALLBACK (on_model_changed), self);
    }
  if (selection != NULL)
    {
      self->selection = g_object_ref (selection);
      g_signal_connect_swapped (selection, "changed", G_CALLBACK (on_model_changed), self);
    }
  self->name_column = name_column;
  self->order_column = order_column;
  self->delay_column = delay_column;
  self->cursor = -1;
  relayout (self);
}

static void
lagoon_start_order_timeline_dispose (GObject *object)
{
  LagoonStartOrderTimeline *self = LAGOON_START_ORDER_TIMELINE (object);

  g_clear_handle_id (&self->relayout_id, g_source_remove);
  disconnect_model (self);
  G_OBJECT_CLASS (lagoon_start_order_timeline_parent_class)->dispose (object);
}

static void
lagoon_start_order_timeline_finalize (GObject *object)
{
  LagoonStartOrderTimeline *self = LAGOON_START_ORDER_TIMELINE (object);

  g_array_unref (self->groups);
  g_ptr_array_unref (self->items);
  G_OBJECT_CLASS (lagoon_start_order_timeline_parent_class)->finalize (object);
}

static void
lagoon_start_order_timeline_class_init (LagoonStartOrderTimelineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lagoon_start_order_timeline_dispose;
  object_class->finalize = lagoon_start_order_timeline_finalize;
  widget_class->draw = lagoon_start_order_timeline_draw;
  widget_class->button_press_event = lagoon_start_order_timeline_button_press;
  widget_class->button_release_event = lagoon_start_order_timeline_button_release;
  widget_class->motion_notify_event = lagoon_start_order_timeline_motion;
  widget_class->key_press_event = lagoon_start_order_timeline_key_press;
  widget_class->focus_in_event = lagoon_start_order_timeline_focus_in;
  widget_class->focus_out_event = lagoon_start_order_timeline_focus_out;

  /* The order the selection moves to (-1: a new group before every other). */
  signals[MOVE_TO_ORDER] = g_signal_new ("move-to-order", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                         G_TYPE_NONE, 1, G_TYPE_INT);
  gtk_widget_class_set_css_name (widget_class, "lagoon-start-order-timeline");
  gtk_widget_class_set_accessible_role (widget_class, ATK_ROLE_CANVAS);
}

static void
lagoon_start_order_timeline_init (LagoonStartOrderTimeline *self)
{
  GtkWidget *widget = GTK_WIDGET (self);

  self->items = g_ptr_array_new_with_free_func (item_free);
  self->groups = g_array_new (FALSE, TRUE, sizeof (Group));
  g_array_set_clear_func (self->groups, group_clear);
  self->cursor = -1;
  self->drag_item = -1;
  gtk_widget_set_can_focus (widget, TRUE);
  gtk_widget_add_events (widget, GDK_BUTTON_PRESS_MASK | GDK_BUTTON_RELEASE_MASK |
                                 GDK_POINTER_MOTION_MASK | GDK_KEY_PRESS_MASK |
                                 GDK_FOCUS_CHANGE_MASK);
  atk_object_set_name (gtk_widget_get_accessible (widget), _("Start sequence timeline"));
  relayout (self);
}

GtkWidget *
lagoon_start_order_timeline_new (void)
{
  return g_object_new (LAGOON_TYPE_START_ORDER_TIMELINE, NULL);
}
