/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "lagoon-schema.h"

static const LagoonType *
field_type (const char *klass,
            const char *field)
{
  const LagoonSchemaClass *k = lagoon_schema_find_class (klass);
  int idx;

  g_assert_nonnull (k);
  idx = lagoon_schema_find_field (k, field);
  g_assert_cmpint (idx, >=, 0);
  return k->fields[idx].type;
}

static void
test_lookup (void)
{
  const LagoonSchemaClass *vm = lagoon_schema_find_class ("VM");
  const LagoonSchemaMessage *start;
  const LagoonSchemaEnum *ps;

  g_assert_nonnull (vm);
  g_assert_cmpint (vm->id, ==, LAGOON_CLASS_VM);
  g_assert_true (lagoon_schema_find_class_nocase ("vm") == vm);
  g_assert_null (lagoon_schema_find_class ("vm"));
  g_assert_null (lagoon_schema_find_class ("NoSuchClass"));

  g_assert_cmpint (lagoon_schema_find_field (vm, "name_label"), ==, LAGOON_VM_NAME_LABEL);
  g_assert_cmpint (lagoon_schema_find_column (vm, "name__label"), ==, LAGOON_VM_NAME_LABEL);
  g_assert_cmpint (lagoon_schema_find_column (vm, "memory__static_max"), ==,
                   LAGOON_VM_MEMORY_STATIC_MAX);
  g_assert_cmpint (lagoon_schema_find_column (vm, "no__such"), ==, -1);
  g_assert_cmpint (vm->fields[LAGOON_VM_NAME_LABEL].qualifier, ==, LAGOON_QUALIFIER_RW);
  g_assert_cmpint (vm->fields[LAGOON_VM_ALLOWED_OPERATIONS].qualifier, ==, LAGOON_QUALIFIER_RO_RUNTIME);

  start = lagoon_schema_find_message (vm, "start");
  g_assert_nonnull (start);
  g_assert_cmpuint (start->n_params, ==, 4);
  g_assert_true (start->flags & LAGOON_MESSAGE_ASYNC);
  g_assert_false (start->flags & LAGOON_MESSAGE_IMPLICIT);
  g_assert_false (lagoon_schema_find_message (vm, "get_name_label")->flags & LAGOON_MESSAGE_ASYNC);
  g_assert_true (lagoon_schema_find_message (vm, "create")->flags & LAGOON_MESSAGE_ASYNC);

  /* session and event messages have no async form; login takes no session */
  {
    const LagoonSchemaClass *session = lagoon_schema_find_class ("session");
    const LagoonSchemaMessage *login = lagoon_schema_find_message (session, "login_with_password");
    g_assert_nonnull (login);
    g_assert_false (login->flags & LAGOON_MESSAGE_ASYNC);
    g_assert_true (login->flags & LAGOON_MESSAGE_SESSIONLESS);
    g_assert_true (login->params[0].required);
    g_assert_false (login->params[3].required);
  }

  ps = lagoon_schema_find_enum ("vm_power_state");
  g_assert_nonnull (ps);
  g_assert_cmpint (lagoon_schema_enum_index (ps, "running"), >=, 0);
  g_assert_cmpstr (ps->values[lagoon_schema_enum_index (ps, "RUNNING")], ==, "Running");
  g_assert_cmpint (lagoon_schema_enum_index (ps, "flying"), ==, -1);

  g_assert_true (vm->flags & LAGOON_CLASS_EVENTS);
  g_assert_false (lagoon_schema_find_class ("session")->flags & LAGOON_CLASS_EVENTS);
}

static void
test_type_names (void)
{
  g_autofree char *a = lagoon_type_to_string (field_type ("VM", "current_operations"));
  g_autofree char *b = lagoon_type_to_string (field_type ("VM", "VBDs"));
  g_autofree char *c = lagoon_type_to_string (field_type ("VM", "power_state"));

  g_assert_cmpstr (a, ==, "(string -> enum vm_operations) map");
  g_assert_cmpstr (b, ==, "VBD ref set");
  g_assert_cmpstr (c, ==, "enum vm_power_state");
}

static void
assert_roundtrip (const LagoonType *type,
                  const char       *input,
                  const char       *canonical)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) v = lagoon_db_value_decode (type, input, &error);
  g_autofree char *out = NULL;
  g_autoptr(GVariant) again = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (v);
  g_assert_true (g_variant_is_of_type (v, lagoon_type_variant_type (type)));
  out = lagoon_db_value_encode (type, v);
  g_assert_cmpstr (out, ==, canonical);
  again = lagoon_db_value_decode (type, out, &error);
  g_assert_no_error (error);
  g_assert_true (g_variant_equal (v, again));
}

static void
test_db_codec (void)
{
  const LagoonType *str_map = field_type ("VM", "other_config");
  const LagoonType *ops = field_type ("VM", "allowed_operations");
  const LagoonType *tags = field_type ("VM", "tags");

  assert_roundtrip (str_map, "()", "()");
  assert_roundtrip (str_map, "", "()");
  assert_roundtrip (str_map, "(('a' 'b') ('c d' 'e'))", "(('a' 'b') ('c d' 'e'))");
  /* the old double-quote style of XenServer 5.x dumps */
  assert_roundtrip (str_map, "((\"a\" \"b\") (\"k\" \"v w\"))", "(('a' 'b') ('k' 'v w'))");
  /* escapes in both styles */
  assert_roundtrip (str_map, "(('it\\'s' 'back\\\\slash'))", "(('it\\'s' 'back\\\\slash'))");
  assert_roundtrip (str_map, "((\"say \\\"hi\\\"\" \"x\"))", "(('say \"hi\"' 'x'))");
  assert_roundtrip (ops, "('start' 'clone')", "('start' 'clone')");
  assert_roundtrip (tags, "()", "()");
  assert_roundtrip (field_type ("VM", "memory_static_max"), "268435456", "268435456");
  assert_roundtrip (field_type ("VM", "is_a_template"), "true", "true");
  assert_roundtrip (field_type ("VM", "power_state"), "running", "Running");
  assert_roundtrip (field_type ("VM", "snapshot_time"), "20250319T04:16:24Z", "20250319T04:16:24Z");
  assert_roundtrip (field_type ("VM", "snapshot_time"), "2025-03-19T04:16:24Z",
                    "20250319T04:16:24Z");
  assert_roundtrip (field_type ("VM", "HVM_shadow_multiplier"), "1.5", "1.5");
  assert_roundtrip (field_type ("VM", "resident_on"), "OpaqueRef:NULL", "OpaqueRef:NULL");
  /* a map of sets */
  assert_roundtrip (field_type ("host", "license_params"), "(('a' 'b'))", "(('a' 'b'))");
}

static void
test_db_codec_errors (void)
{
  const char *bad_maps[] = { "(", "(('a' 'b')", "(('a'))", "(('a' 'b'", "x", "(('a' 'b') junk)",
                             "(('unterminated", NULL };
  const LagoonType *str_map = field_type ("VM", "other_config");

  for (guint i = 0; bad_maps[i]; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GVariant) v = lagoon_db_value_decode (str_map, bad_maps[i], &error);
      g_assert_null (v);
      g_assert_nonnull (error);
      g_assert_true (error->domain == LAGOON_SCHEMA_ERROR);
    }

  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) v = lagoon_db_value_decode (field_type ("VM", "memory_static_max"),
                                                    "12abc", &error);
    g_assert_null (v);
    g_assert_error (error, LAGOON_SCHEMA_ERROR, LAGOON_SCHEMA_ERROR_TYPE);
  }
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) v = lagoon_db_value_decode (field_type ("VM", "memory_static_max"),
                                                    "99999999999999999999999", &error);
    g_assert_null (v);
    g_assert_error (error, LAGOON_SCHEMA_ERROR, LAGOON_SCHEMA_ERROR_TYPE);
  }
}

static void
test_defaults (void)
{
  const LagoonSchemaClass *vm = lagoon_schema_find_class ("VM");

  /* every field of every class has a default that decodes to its own shape */
  for (guint c = 0; c < lagoon_schema_n_classes; c++)
    {
      const LagoonSchemaClass *k = &lagoon_schema_classes[c];
      for (guint f = 0; f < k->n_fields; f++)
        {
          g_autoptr(GVariant) v = lagoon_schema_field_default (&k->fields[f]);
          g_assert_nonnull (v);
          g_assert_true (g_variant_is_of_type (v, lagoon_type_variant_type (k->fields[f].type)));
        }
    }

  {
    g_autoptr(GVariant) ps = lagoon_schema_field_default (&vm->fields[LAGOON_VM_POWER_STATE]);
    g_autoptr(GVariant) so = lagoon_schema_field_default (&vm->fields[LAGOON_VM_SNAPSHOT_OF]);
    g_assert_cmpstr (g_variant_get_string (ps, NULL), ==, "Halted");
    g_assert_cmpstr (g_variant_get_string (so, NULL), ==, LAGOON_NULL_REF);
  }
}

static void
test_coerce (void)
{
  const LagoonType *mem = field_type ("VM", "memory_static_max");
  const LagoonType *ps = field_type ("VM", "power_state");
  const LagoonType *ops = field_type ("VM", "blocked_operations");
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) v = NULL;

  v = lagoon_value_coerce (mem, g_variant_new_string ("1024"), &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_variant_get_int64 (v), ==, 1024);
  g_clear_pointer (&v, g_variant_unref);

  v = lagoon_value_coerce (mem, g_variant_new_int32 (7), &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_variant_get_int64 (v), ==, 7);
  g_clear_pointer (&v, g_variant_unref);

  v = lagoon_value_coerce (ps, g_variant_new_string ("halted"), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_variant_get_string (v, NULL), ==, "Halted");
  g_clear_pointer (&v, g_variant_unref);

  v = lagoon_value_coerce (ps, g_variant_new_string ("levitating"), &error);
  g_assert_null (v);
  g_assert_error (error, LAGOON_SCHEMA_ERROR, LAGOON_SCHEMA_ERROR_TYPE);
  g_clear_error (&error);

  v = lagoon_value_coerce (mem, g_variant_new_boolean (TRUE), &error);
  g_assert_null (v);
  g_assert_error (error, LAGOON_SCHEMA_ERROR, LAGOON_SCHEMA_ERROR_TYPE);
  g_clear_error (&error);

  /* enum keys of a map are checked and spelled as in the datamodel */
  {
    GVariantBuilder b;
    g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add (&b, "{sv}", "START", g_variant_new_string ("no"));
    v = lagoon_value_coerce (ops, g_variant_builder_end (&b), &error);
    g_assert_no_error (error);
    g_assert_true (g_variant_lookup (v, "start", "s", NULL));
    g_clear_pointer (&v, g_variant_unref);
  }

  /* a record ignores unknown members and converts known ones */
  {
    GVariantBuilder b;
    const LagoonType *rec = lagoon_schema_find_message (lagoon_schema_find_class ("VM"),
                                                        "create")->params[1].type;
    g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add (&b, "{sv}", "name_label", g_variant_new_string ("x"));
    g_variant_builder_add (&b, "{sv}", "memory_static_max", g_variant_new_string ("42"));
    g_variant_builder_add (&b, "{sv}", "nonsense", g_variant_new_string ("y"));
    v = lagoon_value_coerce (rec, g_variant_builder_end (&b), &error);
    g_assert_no_error (error);
    g_assert_true (g_variant_lookup (v, "memory_static_max", "x", NULL));
    g_assert_false (g_variant_lookup (v, "nonsense", "s", NULL));
  }
}

static void
test_datetime (void)
{
  gint64 t = 0;
  g_autofree char *s = NULL;

  g_assert_true (lagoon_datetime_parse ("19700101T00:00:00Z", &t));
  g_assert_cmpint (t, ==, 0);
  g_assert_true (lagoon_datetime_parse ("20250319T04:16:24Z", &t));
  s = lagoon_datetime_format (t);
  g_assert_cmpstr (s, ==, "20250319T04:16:24Z");
  g_assert_true (lagoon_datetime_parse ("20250319T041624Z", &t));
  g_assert_true (lagoon_datetime_parse ("2025-03-19T05:16:24+01:00", &t));
  g_clear_pointer (&s, g_free);
  s = lagoon_datetime_format (t);
  g_assert_cmpstr (s, ==, "20250319T04:16:24Z");
  g_assert_false (lagoon_datetime_parse ("yesterday", &t));
  g_assert_false (lagoon_datetime_parse ("20251399T00:00:00Z", &t));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/lagoon/schema/lookup", test_lookup);
  g_test_add_func ("/lagoon/schema/type-names", test_type_names);
  g_test_add_func ("/lagoon/schema/db-codec", test_db_codec);
  g_test_add_func ("/lagoon/schema/db-codec-errors", test_db_codec_errors);
  g_test_add_func ("/lagoon/schema/defaults", test_defaults);
  g_test_add_func ("/lagoon/schema/coerce", test_coerce);
  g_test_add_func ("/lagoon/schema/datetime", test_datetime);
  return g_test_run ();
}
