"""Static name, city and homophone tables for the demo person synthesiser.

Everything here is plain data parsed once at import time; nothing is random.
"""

from __future__ import annotations

from dataclasses import dataclass

# Chinese surnames: Han, Hanyu pinyin (passport style, ü -> yu), weight per 10 000 persons
# (roughly the 2020 census ranking), Cantonese (Hong Kong) and Wade-Giles (Taiwan) romanisation.
_SURNAMES = """
王 wang 710 WONG WANG|李 li 700 LEE LEE|张 zhang 670 CHEUNG CHANG|刘 liu 540 LAU LIU
陈 chen 460 CHAN CHEN|杨 yang 310 YEUNG YANG|黄 huang 240 WONG HUANG|赵 zhao 210 CHIU CHAO
吴 wu 200 NG WU|周 zhou 190 CHOW CHOU|徐 xu 150 TSUI HSU|孙 sun 150 SUEN SUN|马 ma 140 MA MA
朱 zhu 130 CHU CHU|胡 hu 130 WU HU|郭 guo 110 KWOK KUO|何 he 110 HO HO|林 lin 100 LAM LIN
高 gao 100 KO KAO|罗 luo 90 LAW LO|郑 zheng 80 CHENG CHENG|梁 liang 80 LEUNG LIANG
谢 xie 60 TSE HSIEH|宋 song 60 SUNG SUNG|唐 tang 60 TONG TANG|许 xu 60 HUI HSU|韩 han 50 HON HAN
冯 feng 50 FUNG FENG|邓 deng 50 TANG TENG|曹 cao 50 TSO TSAO|彭 peng 50 PANG PENG
曾 zeng 50 TSANG TSENG|肖 xiao 50 SIU HSIAO|田 tian 50 TIN TIEN|董 dong 40 TUNG TUNG
袁 yuan 40 YUEN YUAN|潘 pan 40 POON PAN|于 yu 40 YU YU|蒋 jiang 40 CHEUNG CHIANG|蔡 cai 40 CHOI TSAI
余 yu 40 YU YU|杜 du 40 TO TU|叶 ye 40 YIP YEH|程 cheng 40 CHING CHENG|苏 su 30 SO SU|魏 wei 30 NGAI WEI
吕 lyu 30 LUI LU|丁 ding 30 TING TING|任 ren 30 YAM JEN|沈 shen 30 SHUM SHEN|姚 yao 30 YIU YAO
卢 lu 30 LO LU|姜 jiang 30 KEUNG CHIANG|崔 cui 30 CHUI TSUI|钟 zhong 30 CHUNG CHUNG|谭 tan 20 TAM TAN
陆 lu 20 LUK LU|汪 wang 20 WONG WANG|范 fan 20 FAN FAN|金 jin 20 KAM CHIN|石 shi 20 SHEK SHIH
廖 liao 20 LIU LIAO|贾 jia 20 KA CHIA|夏 xia 20 HA HSIA|韦 wei 20 WAI WEI|付 fu 20 FU FU
方 fang 20 FONG FANG|白 bai 20 PAK PAI|邹 zou 20 CHAU TSOU|孟 meng 20 MANG MENG|熊 xiong 20 HUNG HSIUNG
秦 qin 20 CHUN CHIN|邱 qiu 20 YAU CHIU|江 jiang 20 KONG CHIANG|尹 yin 20 WAN YIN|薛 xue 20 SIT HSUEH
段 duan 15 TUEN TUAN|雷 lei 15 LUI LEI|侯 hou 15 HAU HOU|龙 long 15 LUNG LUNG|史 shi 15 SZE SHIH
单 shan 8 SIN SHAN|欧阳 ouyang 3 AU-YEUNG OUYANG|司徒 situ 2 SZETO SZU-TU|司马 sima 1 SZE-MA SSU-MA
诸葛 zhuge 1 CHU-KOT CHU-KO|上官 shangguan 1 SHEUNG-KOON SHANG-KUAN|皇甫 huangfu 1 WONG-FU HUANG-FU
慕容 murong 1 MO-YUNG MU-JUNG|东方 dongfang 1 TUNG-FONG TUNG-FANG
"""


@dataclass(frozen=True, slots=True)
class Surname:
    han: str
    pinyin: str
    weight: int
    cantonese: str
    wade_giles: str


def _parse_surnames() -> tuple[Surname, ...]:
    out: list[Surname] = []
    for chunk in _SURNAMES.replace("\n", "|").split("|"):
        if chunk.strip():
            han, py, weight, canto, wg = chunk.split()
            out.append(Surname(han, py, int(weight), canto, wg))
    return tuple(out)


SURNAMES: tuple[Surname, ...] = _parse_surnames()
SURNAME_WEIGHTS: tuple[int, ...] = tuple(s.weight for s in SURNAMES)
SURNAME_BY_HAN: dict[str, Surname] = {s.han: s for s in SURNAMES}

# Given-name characters (mainland, simplified) used to compose new names.
GIVEN_CHARS_M = (
    "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆旭宁"
    "龙林峰建国成东海志文博阳晨天子睿轩泽然铭昊嘉豪航毅诚翔瑞"
)
GIVEN_CHARS_F = (
    "芳娜敏静丽艳娟霞秀英玲婷雪慧颖琳晶燕洁倩萍红梅丹玉兰莉欣怡佳悦璐瑶薇雨涵萱思梓诗彤婧雯琪晓婉蕾月"
)

# Very frequent full given names; picking from these produces the 张伟 / 王芳 homonyms.
POPULAR_GIVEN_M = (
    "伟",
    "伟",
    "伟",
    "强",
    "磊",
    "军",
    "勇",
    "杰",
    "涛",
    "明",
    "超",
    "刚",
    "平",
    "辉",
    "鹏",
    "华",
    "飞",
    "波",
    "斌",
    "建华",
    "建国",
    "志强",
    "俊杰",
    "子轩",
    "浩然",
    "宇轩",
    "海涛",
    "晓东",
)
POPULAR_GIVEN_F = (
    "芳",
    "芳",
    "娜",
    "娜",
    "敏",
    "静",
    "静",
    "丽",
    "艳",
    "娟",
    "霞",
    "秀英",
    "桂英",
    "秀兰",
    "玉兰",
    "婷",
    "雪",
    "丹",
    "燕",
    "玲",
    "晶晶",
    "欣怡",
    "梓涵",
    "诗涵",
    "雨涵",
    "婷婷",
    "丽娟",
)

# Hong Kong given names (simplified Han, Cantonese romanisation, gender).
HK_GIVEN: tuple[tuple[str, str, str], ...] = (
    ("大文", "Tai Man", "M"),
    ("家豪", "Ka Ho", "M"),
    ("志明", "Chi Ming", "M"),
    ("俊杰", "Chun Kit", "M"),
    ("伟强", "Wai Keung", "M"),
    ("国荣", "Kwok Wing", "M"),
    ("德华", "Tak Wah", "M"),
    ("子聪", "Tsz Chung", "M"),
    ("家明", "Ka Ming", "M"),
    ("永康", "Wing Hong", "M"),
    ("文杰", "Man Kit", "M"),
    ("浩然", "Ho Yin", "M"),
    ("嘉欣", "Ka Yan", "F"),
    ("美玲", "Mei Ling", "F"),
    ("咏诗", "Wing Sze", "F"),
    ("淑仪", "Shuk Yee", "F"),
    ("宝仪", "Po Yee", "F"),
    ("慧敏", "Wai Man", "F"),
    ("乐瑶", "Lok Yiu", "F"),
    ("凯琳", "Hoi Lam", "F"),
    ("颖欣", "Wing Yan", "F"),
    ("丽华", "Lai Wah", "F"),
    ("秀英", "Sau Ying", "F"),
    ("嘉慧", "Ka Wai", "F"),
)

# Taiwan given names (simplified Han, Wade-Giles style romanisation, gender).
TW_GIVEN: tuple[tuple[str, str, str], ...] = (
    ("志明", "Chih-Ming", "M"),
    ("家豪", "Chia-Hao", "M"),
    ("俊杰", "Chun-Chieh", "M"),
    ("建宏", "Chien-Hung", "M"),
    ("宗翰", "Tsung-Han", "M"),
    ("冠宇", "Kuan-Yu", "M"),
    ("承恩", "Cheng-En", "M"),
    ("柏翰", "Po-Han", "M"),
    ("怡君", "Yi-Chun", "F"),
    ("雅婷", "Ya-Ting", "F"),
    ("淑芬", "Shu-Fen", "F"),
    ("美玲", "Mei-Ling", "F"),
    ("佳颖", "Chia-Ying", "F"),
    ("诗涵", "Shih-Han", "F"),
    ("欣怡", "Hsin-Yi", "F"),
    ("雅雯", "Ya-Wen", "F"),
)

# English names Chinese guests use on OTA bookings and business cards.
ENGLISH_ALIASES_M = (
    "Kevin",
    "Jason",
    "Eric",
    "Leo",
    "Jack",
    "Tony",
    "David",
    "Frank",
    "Allen",
    "Vincent",
    "Ryan",
)
ENGLISH_ALIASES_F = (
    "Grace",
    "Cindy",
    "Amy",
    "Coco",
    "Vivian",
    "Lily",
    "Emma",
    "Sherry",
    "Joyce",
    "Wendy",
    "Iris",
)

# Characters that a clerk may type instead when spelling a name by sound (homophone slips).
_HOMOPHONES = """
张章 伟玮炜卫 李黎理 娜那纳 王汪 刘柳留 陈程 杨阳扬 黄皇 林琳霖 芳方 静晶婧敬 丽莉立 敏民 军君均 磊雷 明鸣铭
华桦骅 红宏虹 涛韬滔 杰洁捷 勇永涌 艳燕 霞侠 平萍 刚钢 洋阳 超潮 辉晖 婷亭庭 雪学 峰锋丰 鑫新欣 宇雨语
浩昊皓 佳嘉家 晨辰臣 欣新馨 怡宜仪 琳林霖 子梓紫 梓子 涵含寒 轩宣萱 博波柏 思斯丝 雨宇语 晓小筱 文雯闻
斌彬滨 彬斌 慧惠蕙 颖莹影 玲铃灵 秀绣 英莹瑛 兰岚蓝 桂贵 燕艳雁 萍平苹 娟鹃涓 倩茜芊 璐露路 瑶遥姚 蕾雷
薇微维 悦月越 梅玫美 赵照 周舟州 吴武伍 徐许 许徐 朱诸珠 胡湖 郭国 何贺和 罗骆洛 郑正政 梁良 谢解 唐汤堂
韩寒 冯风 邓登 彭鹏 曾增 肖萧 田甜 董东 袁元原 潘盘 于余俞 余于俞 蒋江姜 江蒋姜 姜江 蔡彩 杜度 叶业
程成陈 苏素 魏卫韦 吕旅侣 沈审申 姚瑶 卢芦鲁 崔翠 钟仲中 陆路鹿 汪王 范樊凡 金晋 石时史 夏霞 韦魏伟
付傅富 傅付 方芳房 白柏 孟梦 秦琴勤 邱丘秋 雷蕾 龙隆 健建 俊骏 帆凡 凯恺 国果 成城 东冬 海凯 志智 阳杨
"""


def _parse_homophones() -> dict[str, str]:
    table: dict[str, str] = {}
    for group in _HOMOPHONES.split():
        table[group[0]] = group[1:]
    return table


HOMOPHONES: dict[str, str] = _parse_homophones()


@dataclass(frozen=True, slots=True)
class City:
    zh: str
    en: str
    area_code: str  # first six digits of resident ID numbers issued there


_CITIES = """
北京 Beijing 110105|上海 Shanghai 310104|广州 Guangzhou 440106|深圳 Shenzhen 440304|杭州 Hangzhou 330106
南京 Nanjing 320106|苏州 Suzhou 320505|成都 Chengdu 510107|重庆 Chongqing 500103|武汉 Wuhan 420106
西安 Xi'an 610113|天津 Tianjin 120101|长沙 Changsha 430102|郑州 Zhengzhou 410105|青岛 Qingdao 370202
沈阳 Shenyang 210102|厦门 Xiamen 350203|宁波 Ningbo 330203|合肥 Hefei 340104|济南 Jinan 370102
昆明 Kunming 530102|哈尔滨 Harbin 230102|大连 Dalian 210202|福州 Fuzhou 350102|无锡 Wuxi 320211
东莞 Dongguan 441900|佛山 Foshan 440604|温州 Wenzhou 330302
"""


def _parse_cities() -> tuple[City, ...]:
    out: list[City] = []
    for chunk in _CITIES.replace("\n", "|").split("|"):
        if chunk.strip():
            zh, en, code = chunk.split()
            out.append(City(zh, en, code))
    return tuple(out)


MAINLAND_CITIES: tuple[City, ...] = _parse_cities()
# Bigger cities send more guests.
MAINLAND_CITY_WEIGHTS: tuple[int, ...] = tuple(
    12 if i < 4 else 6 if i < 12 else 3 for i in range(len(MAINLAND_CITIES))
)

HK_CITIES: tuple[tuple[str, str], ...] = (("香港", "Hong Kong"),)
TW_CITIES: tuple[tuple[str, str], ...] = (("台北", "Taipei"), ("台中", "Taichung"), ("高雄", "Kaohsiung"))

# Country names as Chinese PMS clerks pick them from the nationality list.
COUNTRY_ZH: dict[str, str] = {
    "CN": "中国",
    "HK": "中国香港",
    "TW": "中国台湾",
    "US": "美国",
    "GB": "英国",
    "DE": "德国",
    "FR": "法国",
    "ES": "西班牙",
    "JP": "日本",
    "KR": "韩国",
    "SG": "新加坡",
    "AU": "澳大利亚",
    "CA": "加拿大",
    "IT": "意大利",
    "NL": "荷兰",
    "SE": "瑞典",
}
COUNTRY_ISO3: dict[str, str] = {
    "CN": "CHN",
    "HK": "HKG",
    "TW": "TWN",
    "US": "USA",
    "GB": "GBR",
    "DE": "DEU",
    "FR": "FRA",
    "ES": "ESP",
    "JP": "JPN",
    "KR": "KOR",
    "SG": "SGP",
    "AU": "AUS",
    "CA": "CAN",
    "IT": "ITA",
    "NL": "NLD",
    "SE": "SWE",
}

# Mobile number shapes per calling code: '#' is any digit, other characters are literal;
# alternatives separated by '|'.
MOBILE_PATTERNS: dict[str, str] = {
    "86": "13#########|15#########|18#########|176########|177########|19#########|166########",
    "852": "5#######|6#######|9#######",
    "886": "9########",
    "1": "212#######|415#######|646#######|310#######|617#######|416#######|604#######",
    "44": "7#########",
    "49": "15#########|17########",
    "33": "6########|7########",
    "34": "6########",
    "81": "90########|80########|70########",
    "82": "10########",
    "65": "8#######|9#######",
    "61": "4########",
    "39": "3#########",
    "31": "6########",
    "46": "70#######|72#######|73#######",
}
