/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-wizard.h: the frame every Lagoon wizard uses (New VM, New vApp, ...).
 *
 * A wizard is a window with a left rail of step names, the current page in a stack, a line
 * that says why Next is unavailable, and Back / Next / Finish / Cancel. The last step is
 * always the frame's own summary page ("Finish").
 *
 * Pages are ordinary GtkWidgets added in order with lagoon_wizard_add_page(), or as
 * <child type="page"> in a subclass's template (then titled with
 * lagoon_wizard_set_page_title() after gtk_widget_init_template()). A page reports
 * whether the user may go on with lagoon_wizard_page_set_valid() (it may be called before
 * the page is added; a page that never calls it is valid). When a page is invalid, Next and
 * Finish are insensitive, the reason is shown under the page and is the buttons' tooltip
 * (AT-SPI: the Next button's description).
 *
 * The rail: the current step is highlighted, visited steps are clickable as long as every
 * step before them is valid, steps not reached yet are greyed. Hidden pages
 * (lagoon_wizard_set_page_visible()) are skipped by Back/Next and left out of the rail.
 *
 * Keyboard: Enter is Next (or Finish on the summary page) unless the focused widget uses
 * Enter itself (buttons, lists, text views); Escape is Cancel; Alt+B/N/F/C are the buttons'
 * mnemonics; Alt+PageUp/PageDown are Back/Next.
 *
 * Subclasses (or users connecting to the signals):
 *   ::prepare (page)  before @page is shown, every time it becomes the current page;
 *   ::summarize ()    before the summary page is shown; the summary has been cleared, add
 *                     rows with lagoon_wizard_add_summary_section()/_row();
 *   finish()          (class vfunc) Finish was pressed and every page is valid; return TRUE
 *                     to close the wizard, or FALSE with @error to stay (the error's message
 *                     is shown where the reason goes). The default closes.
 * Widgets specific to the summary page (a "Start the new VM automatically" check box, ...)
 * go in lagoon_wizard_get_summary_extra(), under the summary.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define LAGOON_TYPE_WIZARD (lagoon_wizard_get_type ())

G_DECLARE_DERIVABLE_TYPE (LagoonWizard, lagoon_wizard, LAGOON, WIZARD, GtkWindow)

struct _LagoonWizardClass
{
  GtkWindowClass parent_class;

  void     (*prepare)   (LagoonWizard  *self,
                         GtkWidget     *page);
  void     (*summarize) (LagoonWizard  *self);
  gboolean (*finish)    (LagoonWizard  *self,
                         GError       **error);

  gpointer padding[8];
};

/* Adds @page as the next step (before the summary). @title is the rail's short name
 * ("Template"), @heading the sentence over the page ("Select a VM template"). */
void       lagoon_wizard_add_page             (LagoonWizard  *self,
                                               GtkWidget     *page,
                                               const char    *title,
                                               const char    *heading);
/* Renames a page (pages added from a template as <child type="page"> start untitled). */
void       lagoon_wizard_set_page_title       (LagoonWizard  *self,
                                               GtkWidget     *page,
                                               const char    *title,
                                               const char    *heading);
void       lagoon_wizard_set_page_visible     (LagoonWizard  *self,
                                               GtkWidget     *page,
                                               gboolean       visible);
/* The summary page's rail name and heading (default "Finish" / "Ready to finish"). */
void       lagoon_wizard_set_summary_title    (LagoonWizard  *self,
                                               const char    *title,
                                               const char    *heading);
/* A box under the summary for the wizard's own widgets. */
GtkBox    *lagoon_wizard_get_summary_extra    (LagoonWizard  *self);
void       lagoon_wizard_add_summary_section  (LagoonWizard  *self,
                                               const char    *title);
void       lagoon_wizard_add_summary_row      (LagoonWizard  *self,
                                               const char    *key,
                                               const char    *value);

/* The page shown now (the summary page is the frame's own widget). */
GtkWidget *lagoon_wizard_get_current_page     (LagoonWizard  *self);
gboolean   lagoon_wizard_is_summary_page      (LagoonWizard  *self);
void       lagoon_wizard_go_next              (LagoonWizard  *self);
void       lagoon_wizard_go_back              (LagoonWizard  *self);
/* Shows @page if it may be reached (visited, and every page before it valid). */
gboolean   lagoon_wizard_go_to_page           (LagoonWizard  *self,
                                               GtkWidget     *page);
/* Marks the pages after @page as not visited (e.g. the template changed and later pages
 * were refilled): the user has to go through them again with Next. */
void       lagoon_wizard_forget_visits_after  (LagoonWizard  *self,
                                               GtkWidget     *page);
/* Shows an error under the page (Finish failed, ...); NULL hides it. Cleared when the page
 * changes or its validity changes. */
void       lagoon_wizard_show_error           (LagoonWizard  *self,
                                               const char    *message);

/* For pages: whether the user may leave the page with Next, and why not. */
void       lagoon_wizard_page_set_valid       (GtkWidget     *page,
                                               gboolean       valid,
                                               const char    *reason);
gboolean   lagoon_wizard_page_get_valid       (GtkWidget     *page);
const char *lagoon_wizard_page_get_reason     (GtkWidget     *page);

G_END_DECLS
