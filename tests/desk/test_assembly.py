"""An assembly session: right packs, wrong product, expiry, double scans, other orders, series, substitutes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from pharmacy_desk.desk.assembly import AssemblyIncomplete, AssemblySession
from pharmacy_desk.desk.assembly_feedback import FeedbackCode
from pharmacy_desk.domain import Assembled, Line
from pharmacy_desk.domain.fefo import Batch
from pharmacy_desk.domain.keyboard_layout import us_to_ru
from tests.desk.book_support import line, order
from tests.desk.desk_support import ASPIRIN_EAN, ASPIRIN_SKU, GS, NUROFEN_GTIN, NUROFEN_SKU, marking_code

TODAY = dt.date(2026, 11, 22)
OTHER_GTIN = "04601234567893"  # a product of the catalogue this order does not have
IBUPROFEN_GTIN = "04600000000107"
TAIL = f"{GS}91EE06{GS}92VW/n3g0hYP6kqx1WjVy/fnpKT+i7N3FT8QPUyzzKQT4="
CODE_1 = marking_code("SERIAL0000001")
CODE_2 = marking_code("SERIAL0000002")
CODE_3 = marking_code("SERIAL0000003")


def session(**kwargs: object) -> AssemblySession:
    the_order = order(
        "A12-000001",
        lines=(line(NUROFEN_SKU, 2, "189.99", "Нурофен"), line(ASPIRIN_SKU, 1, "100.00", "Аспирин")),
    )
    kwargs.setdefault("catalogue", {NUROFEN_GTIN: NUROFEN_SKU, ASPIRIN_EAN: ASPIRIN_SKU, OTHER_GTIN: "999999"})
    kwargs.setdefault("today", TODAY)
    return AssemblySession(the_order, **kwargs)  # type: ignore[arg-type]


def test_right_packs_fill_the_lines_and_make_the_final_composition() -> None:
    s = session()
    first = s.scan(CODE_1)
    assert (first.ok, first.code, first.sku, first.message) == (True, FeedbackCode.OK, NUROFEN_SKU, "Нурофен: 1 из 2")
    assert s.scan(CODE_2 + "\r\n").message == "Нурофен: 2 из 2"
    assert s.scan(ASPIRIN_EAN).message == "Аспирин: 1 из 1"
    assert (s.picked, s.required) == (3, 3)
    assert s.blockers() == [] and s.complete
    action = s.assembled_action()
    assert isinstance(action, Assembled)
    nurofen = action.composition[0]
    assert nurofen.marking_codes == (CODE_1, CODE_2)  # exactly, GS as \x1d
    assert GS in nurofen.marking_codes[0]
    assert s.totals().total_price == Decimal("479.98")  # type: ignore[union-attr]
    assert s.ready_action().composition == action.composition


def test_the_bag_count_goes_with_ready_within_its_bounds() -> None:
    s = session()
    for code in (CODE_1, CODE_2, ASPIRIN_EAN):
        assert s.scan(code).ok
    assert s.bags == 1 and s.ready_action().packs == 1  # one bag unless the pharmacist says more
    assert (s.set_bags(3), s.ready_action().packs) == (3, 3)
    assert (s.set_bags(0), s.set_bags(500)) == (1, 99)  # Kuper's packs.count: 1…99


def test_russian_layout_and_lost_gs_give_the_same_pack() -> None:
    s = session()
    feedback = s.scan(us_to_ru(CODE_1.replace(GS, "")))
    assert feedback.ok and feedback.marking_code == CODE_1
    again = s.scan(CODE_1)
    assert (again.ok, again.code) == (False, FeedbackCode.ALREADY_SCANNED)
    assert again.loud and "уже отсканирована" in again.message


def test_wrong_products_are_refused_loudly() -> None:
    s = session()
    other = s.scan(f"01{OTHER_GTIN}21SERIAL0000009{TAIL}")
    assert (other.ok, other.code, other.message) == (False, FeedbackCode.NOT_IN_ORDER, "Этого товара нет в заказе")
    assert s.scan("PDESK1:apteka-12:A12-000001").code is FeedbackCode.NOT_A_PRODUCT
    garbage = s.scan("0104607143560598")
    assert garbage.code is FeedbackCode.GARBAGE and garbage.scan_error == "truncated"
    assert s.picked == 0


def test_a_line_takes_no_more_than_ordered() -> None:
    s = session()
    s.scan(CODE_1)
    s.scan(CODE_2)
    third = s.scan(CODE_3)
    assert (third.ok, third.code, third.message) == (False, FeedbackCode.LINE_COMPLETE, "Нурофен: уже собрано 2 из 2")


def test_a_pack_in_another_open_order_is_refused() -> None:
    owners = {CODE_1: "A12-000007"}
    s = session(code_owner=owners.get)
    feedback = s.scan(CODE_1)
    assert (feedback.code, feedback.other_order) == (FeedbackCode.IN_OTHER_ORDER, "A12-000007")
    assert "A12-000007" in feedback.message


def test_expiry_from_the_code_or_the_only_batch() -> None:
    s = session(min_shelf_life_days=30)
    expired = s.scan(f"01{NUROFEN_GTIN}21SERIALEXP0001{GS}17261121{TAIL}")
    assert (expired.code, expired.ok) == (FeedbackCode.EXPIRED, False)
    assert "истёк" in expired.message
    short = s.scan(f"01{NUROFEN_GTIN}21SERIALEXP0002{GS}17261212{TAIL}")
    assert short.code is FeedbackCode.SHORT_SHELF_LIFE and "меньше минимального" in short.message
    fine = s.scan(f"01{NUROFEN_GTIN}21SERIALEXP0003{GS}17270601{TAIL}")
    assert fine.ok and s.line(NUROFEN_SKU).packs[0].expiry == dt.date(2027, 6, 1)  # type: ignore[union-attr]

    only = session(batches={ASPIRIN_SKU: [Batch("A-1", dt.date(2026, 11, 22), 5)]})
    today = only.scan(ASPIRIN_EAN)
    assert today.code is FeedbackCode.EXPIRED and "сегодня" in today.message


def test_the_one_planned_series_is_taken_without_a_question() -> None:
    batches = {
        NUROFEN_SKU: [
            Batch("N-OLD", dt.date(2026, 11, 1), 3, gtin=NUROFEN_GTIN),  # expired: never planned
            Batch("N-NEW", dt.date(2028, 1, 1), 10, gtin=NUROFEN_GTIN, location="полка 3"),
        ]
    }
    s = session(batches=batches)
    assert [b.series for b in s.line(NUROFEN_SKU).suggestions] == ["N-NEW"]  # type: ignore[union-attr]
    first, second = s.scan(CODE_1), s.scan(CODE_2)
    assert (first.code, second.code) == (FeedbackCode.OK, FeedbackCode.OK)
    packs = s.line(NUROFEN_SKU).packs  # type: ignore[union-attr]
    assert [(p.series, p.expiry, p.series_pending) for p in packs] == [("N-NEW", dt.date(2028, 1, 1), False)] * 2
    assert s.blockers() == ["Аспирин: собрано 0 из 1, укажите причину"]


def test_two_equally_possible_series_ask_naming_the_pack() -> None:
    batches = {
        NUROFEN_SKU: [
            Batch("N-OLD", dt.date(2026, 11, 1), 3, gtin=NUROFEN_GTIN),
            Batch("N-ONE", dt.date(2027, 3, 1), 1, gtin=NUROFEN_GTIN),  # the plan: 1 of N-ONE, 1 of N-NEW
            Batch("N-NEW", dt.date(2028, 1, 1), 10, gtin=NUROFEN_GTIN, location="полка 3"),
        ]
    }
    s = session(batches=batches)
    asked = s.scan(CODE_1)
    assert (asked.ok, asked.code) == (True, FeedbackCode.SERIES_NEEDED)
    assert [b.series for b in asked.series_choices] == ["N-OLD", "N-ONE", "N-NEW"]
    assert asked.pack == "Нурофен, упаковка …00001" and asked.message.startswith("Нурофен, упаковка …00001: ")
    assert any("серию" in b for b in s.blockers())
    refused = s.confirm_series(CODE_1, "N-OLD")
    assert refused.code is FeedbackCode.EXPIRED and s.line(NUROFEN_SKU).picked == 0  # type: ignore[union-attr]
    assert s.scan(CODE_1).code is FeedbackCode.SERIES_NEEDED
    ok = s.confirm_series(CODE_1, "N-NEW")
    assert ok.ok and s.line(NUROFEN_SKU).packs[0].series == "N-NEW"  # type: ignore[union-attr]
    # N-NEW's planned pack is given: the next pack can only be the planned N-ONE
    assert s.scan(CODE_2).code is FeedbackCode.OK
    assert s.line(NUROFEN_SKU).packs[1].series == "N-ONE"  # type: ignore[union-attr]
    s.remove_pack(NUROFEN_SKU)
    batch_in_code = s.scan(f"01{NUROFEN_GTIN}21SERIAL0000005{GS}10N-NEW{TAIL}")
    assert batch_in_code.code is FeedbackCode.OK
    assert s.line(NUROFEN_SKU).packs[1].expiry == dt.date(2028, 1, 1)  # type: ignore[union-attr]


def test_a_question_without_a_serial_names_the_gtin() -> None:
    from pharmacy_desk.desk.assembly import pack_label

    assert pack_label("04607143560598", None) == "упаковка GTIN 4607143560598"
    assert pack_label("04607143560598", "5FGXEAGA5A1GA") == "упаковка …5A1GA"


def test_unknown_gtin_is_assigned_by_the_pharmacist_and_learned() -> None:
    s = session(catalogue={})
    unknown = s.scan(CODE_1)
    assert (unknown.code, unknown.gtin) == (FeedbackCode.UNKNOWN_PRODUCT, NUROFEN_GTIN)
    assigned = s.assign_unknown(NUROFEN_SKU)
    assert assigned.ok and s.learned_gtins == {NUROFEN_GTIN: NUROFEN_SKU}
    assert s.scan(CODE_2).ok


def test_marked_products_need_their_datamatrix() -> None:
    s = session(catalogue={NUROFEN_GTIN: NUROFEN_SKU}, marked_skus={NUROFEN_SKU})
    ean_of_marked = s.scan("4607143560598")
    assert ean_of_marked.code is FeedbackCode.MARKING_REQUIRED


def test_fewer_packs_and_a_missing_line_each_with_a_reason() -> None:
    s = session()
    s.scan(CODE_1)
    with pytest.raises(AssemblyIncomplete) as incomplete:
        s.assembled_action()
    assert len(incomplete.value.blockers) == 2
    s.declare_short(NUROFEN_SKU, "нет в наличии")
    s.mark_missing(ASPIRIN_SKU, "истёк срок годности")
    final = s.assembled_action().composition
    assert [(f.sku, f.quantity, f.reason) for f in final] == [
        (NUROFEN_SKU, 1, "нет в наличии"),
        (ASPIRIN_SKU, 0, "истёк срок годности"),
    ]
    preview = s.preview()
    assert isinstance(preview, tuple) and preview[1].change_reason == "истёк срок годности"
    assert s.totals().total_price == Decimal("189.99")  # type: ignore[union-attr]


def test_nothing_at_all_cannot_be_assembled() -> None:
    s = session()
    s.mark_missing(NUROFEN_SKU, "нет")
    s.mark_missing(ASPIRIN_SKU, "нет")
    assert any("не осталось ни одной упаковки" in b for b in s.blockers())


def test_a_substitute_shares_the_quantity_of_what_it_replaces() -> None:
    s = session()
    s.scan(CODE_1)
    progress = s.substitute(
        NUROFEN_SKU,
        sku="300300",
        name="Ибупрофен",
        price=Decimal("99.00"),
        reason="нет Нурофена",
        gtins=[IBUPROFEN_GTIN],
    )
    assert (progress.required, progress.replaces) == (1, NUROFEN_SKU)
    assert s.scan(f"01{IBUPROFEN_GTIN}21SERIALIBU0001{TAIL}").message == "Ибупрофен: 1 из 1"
    assert s.scan(f"01{IBUPROFEN_GTIN}21SERIALIBU0002{TAIL}").code is FeedbackCode.LINE_COMPLETE
    assert s.scan(CODE_2).code is FeedbackCode.LINE_COMPLETE  # the Nurofen line is full: 1 + 1 substitute
    s.scan(ASPIRIN_EAN)
    final = s.assembled_action().composition
    assert [(f.sku, f.quantity, f.replaces) for f in final] == [
        (NUROFEN_SKU, 1, None),
        (ASPIRIN_SKU, 1, None),
        ("300300", 1, NUROFEN_SKU),
    ]
    assert final[0].reason == "замена: Ибупрофен"
    assert s.totals().total_price == Decimal("388.99")  # type: ignore[union-attr]
    s.drop_substitute("300300")
    assert s.line(NUROFEN_SKU).required == 2  # type: ignore[union-attr]


def test_undo_a_pack() -> None:
    s = session()
    s.scan(CODE_1)
    s.scan(CODE_2)
    removed = s.remove_pack(NUROFEN_SKU, CODE_1)
    assert removed.ok and removed.marking_code == CODE_1
    assert [p.marking_code for p in s.line(NUROFEN_SKU).packs] == [CODE_2]  # type: ignore[union-attr]
    assert s.scan(CODE_1).ok  # it can go back in


def test_a_barcode_after_datamatrix_packs_is_refused() -> None:
    s = session(catalogue={NUROFEN_GTIN: NUROFEN_SKU})
    s.scan(CODE_1)
    assert s.scan("4607143560598").code is FeedbackCode.MARKING_REQUIRED


def test_final_lines_are_what_the_domain_accepts() -> None:
    s = session()
    for raw in (CODE_1, CODE_2, ASPIRIN_EAN):
        s.scan(raw)
    built = s.preview()
    assert isinstance(built, tuple) and all(isinstance(x, Line) for x in built)
    assert [x.quantity for x in built] == [2, 1]
