import unittest

import tabulate


class ReportTest(unittest.TestCase):
    def test_table_has_a_header(self):
        table = tabulate.tabulate([[1, "a"]], headers=["n", "name"])
        self.assertIn("name", table)
