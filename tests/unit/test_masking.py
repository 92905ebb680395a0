"""Personal data inside free text is masked before publication; ordinary numbers are not."""

import pytest

from domain.masking import mask_name, mask_personal_data


@pytest.mark.parametrize("text, masked", [
    ("联系电话13812345678", "联系电话138****5678"),
    ("电话：13812345678。", "电话：138****5678。"),
    ("手机 138-1234-5678 谢谢", "手机 138****5678 谢谢"),
    ("手机 138 1234 5678 谢谢", "手机 138****5678 谢谢"),
    ("手机+8613812345678", "手机+86138****5678"),
])
def test_a_mobile_number_is_masked_in_the_middle(text, masked):
    assert mask_personal_data(text) == masked


@pytest.mark.parametrize("id_number", ["370403199001011234", "37040319900101123X",
                                       "37040319900101123x"])
def test_an_18_digit_id_number_keeps_only_its_region_code(id_number):
    assert mask_personal_data(f"身份证号{id_number}。") == "身份证号370403************。"


def test_an_id_number_is_not_mistaken_for_a_mobile_number():
    masked = mask_personal_data("身份证13812319900101123X")
    assert masked == "身份证138123************"


@pytest.mark.parametrize("email", ["zhang.san@example.com", "li_si+gov@mail.xc.gov.cn"])
def test_an_email_address_is_masked_entirely(email):
    assert mask_personal_data(f"请回复至{email}，谢谢") == "请回复至***@***，谢谢"


@pytest.mark.parametrize("text", ["0632-1234567", "06321234567", "010-12345678",
                                  "(0632)1234567", "0632 1234567"])
def test_a_landline_number_keeps_only_its_area_code(text):
    masked = mask_personal_data(f"座机{text}")
    assert masked.startswith("座机0") and masked.endswith("-********")
    assert text[-7:] not in masked


@pytest.mark.parametrize("text", [
    "2026年10月13日前答复",
    "邮编277000",
    "共计1500户，投资3000万元",
    "第12345号文件",
    "12345市长热线",
    "G104国道",
])
def test_ordinary_numbers_are_left_alone(text):
    assert mask_personal_data(text) == text


def test_several_kinds_in_one_text_are_all_masked():
    text = "我叫王五，电话13912345678，邮箱wang@example.com，身份证370403199001011234"
    masked = mask_personal_data(text)
    for secret in ("13912345678", "wang@example.com", "199001011234"):
        assert secret not in masked


@pytest.mark.parametrize("text", ["", None])
def test_empty_text_stays_empty(text):
    assert mask_personal_data(text) == text


def test_a_name_keeps_only_the_surname():
    assert mask_name("张三丰") == "张**"
    assert mask_name("李四") == "李*"
    assert mask_name(None) == "网民"
