"""Name data: surnames, their readings and romanisations, titles, pinyin syllables, nicknames.

Stewards extend these tables; each is plain data read by ``_han`` and ``_latin``.
"""

from __future__ import annotations


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


COMPOUND_SURNAMES = frozenset(
    _words("""
        欧阳 司马 诸葛 上官 皇甫 东方 慕容 令狐 夏侯 尉迟 长孙 宇文 公孙 司徒 司空
        端木 轩辕 独孤 南宫 西门 呼延 澹台 公冶 宗政 濮阳 淳于 单于 太叔 申屠 闻人
        万俟 赫连 钟离 百里 东郭 公羊 拓跋 完颜 第五 左丘 闾丘 谷梁 乐正 漆雕 壤驷
        公西 巫马 亓官 司寇 子车 颛孙 羊舌 微生 公良 梁丘 鲜于 段干
    """)
)
"""Two-character surnames (simplified). A Han name starting with one has a two-character family name."""

SURNAME_READINGS: dict[str, str] = {
    "单": "shan", "曾": "zeng", "解": "xie", "仇": "qiu", "朴": "piao", "区": "ou", "查": "zha",
    "乐": "yue", "盖": "ge", "翟": "zhai", "缪": "miao", "秘": "bi", "覃": "qin", "种": "chong",
    "召": "shao", "员": "yun", "薄": "bo", "柏": "bai", "句": "gou", "能": "nai", "隗": "wei", "都": "du",
    "折": "she", "阚": "kan", "藏": "zang", "重": "chong", "褚": "chu", "冼": "xian", "莘": "shen",
    "朝": "chao", "乜": "nie", "繁": "po", "长": "chang", "行": "hang", "宁": "ning", "尉": "wei",
    "郇": "huan", "颉": "xie", "祭": "zhai", "尉迟": "yuchi", "长孙": "zhangsun", "万俟": "moqi",
    "单于": "chanyu", "令狐": "linghu", "澹台": "tantai", "乐正": "yuezheng", "亓官": "qiguan",
    "子车": "ziju",
}  # fmt: skip
"""Surname readings that differ from a character's everyday reading (pypinyin has no surname mode)."""

HAN_TITLES = ("先生", "女士", "小姐", "太太", "夫人", "博士", "教授")
"""Han titles written after the surname (王先生); stripped into ``salutation``."""

LATIN_TITLES: dict[str, str] = {
    "mr": "Mr", "mister": "Mr", "mrs": "Mrs", "ms": "Ms", "miss": "Miss", "mx": "Mx", "dr": "Dr",
    "doctor": "Dr", "prof": "Prof", "professor": "Prof", "sir": "Sir", "madam": "Madam", "mdm": "Madam",
    "mme": "Mme", "mlle": "Mlle", "herr": "Herr", "frau": "Frau",
}  # fmt: skip
"""Latin titles (case-folded, without the dot) -> the form kept in ``salutation``."""

PINYIN_SURNAMES = tuple(
    _words("""
        wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he lin gao luo zheng liang
        xie song tang han deng feng cao peng zeng xiao tian dong pan yuan cai jiang yu du ye cheng wei
        su lu ding ren yao shen zhong cui tan fan liao shi jin jia xia fu fang zou xiong bai meng qin
        qiu hou yin xue yan duan lei long tao mao hao gu gong shao wan qian dai mo kong xiang chang kang
        yi qiao lai wen niu hong ji guan ouyang ou yue ling lv lyu ni geng an qi bao zhai gan mu zuo ge
        mei ning zhan xing nie che bian gou bi hua chai ying you ruan lian rao shu situ shangguan zhuge
        sima huangfu dongfang murong linghu xiahou yuchi zhangsun yuwen gongsun duanmu xuanyuan dugu
        nangong ximen huyan tantai zongzheng puyang chunyu chanyu moqi helian zhongli baili tuoba wanyan
    """)
)
"""Chinese surnames in pinyin, most frequent first (the rank breaks ties in Latin name order)."""

OTHER_ROMANISED_SURNAMES = tuple(
    _words("""
        chan wong lee cheung kim nguyen tran lau leung park ng ho lam choi le pham lai tsang yip kwok
        hoang fung yeung tse tsui siu mak poon chu law chiu kong au yuen lo kwan hui tam szeto auyeung
        kwong tong ko shum chung hung lui ching lok hsu hsieh kuo tseng chiang kao chien hsiao tsai yeh
        chou jung jeong cho yoon jang lim oh seo shin kwon hwang ahn yoo jeon moon bae baek heo huynh
        phan vu vo dang bui ngo duong tung yau fong mok yiu tsoi kan chui chau sze koo shih yen tsao
    """)
)
"""Surnames written family-first in Cantonese, Wade-Giles, Korean and Vietnamese romanisation,
roughly most frequent first; ranked on their own scale alongside :data:`PINYIN_SURNAMES`."""

PINYIN_SYLLABLES = frozenset(
    _words("""
        a ai an ang ao ba bai ban bang bao bei ben beng bi bian biao bie bin bing bo bu ca cai can cang
        cao ce cen ceng cha chai chan chang chao che chen cheng chi chong chou chu chua chuai chuan
        chuang chui chun chuo ci cong cou cu cuan cui cun cuo da dai dan dang dao de dei den deng di dia
        dian diao die ding diu dong dou du duan dui dun duo e ei en eng er fa fan fang fei fen feng fo
        fou fu ga gai gan gang gao ge gei gen geng gong gou gu gua guai guan guang gui gun guo ha hai
        han hang hao he hei hen heng hong hou hu hua huai huan huang hui hun huo ji jia jian jiang jiao
        jie jin jing jiong jiu ju juan jue jun ka kai kan kang kao ke kei ken keng kong kou ku kua kuai
        kuan kuang kui kun kuo la lai lan lang lao le lei leng li lia lian liang liao lie lin ling liu
        lo long lou lu luan lue lun luo lv lve lyu ma mai man mang mao me mei men meng mi mian miao mie
        min ming miu mo mou mu na nai nan nang nao ne nei nen neng ni nian niang niao nie nin ning niu
        nong nou nu nuan nue nuo nv nve nyu o ou pa pai pan pang pao pei pen peng pi pian piao pie pin
        ping po pou pu qi qia qian qiang qiao qie qin qing qiong qiu qu quan que qun ran rang rao re ren
        reng ri rong rou ru rua ruan rui run ruo sa sai san sang sao se sen seng sha shai shan shang
        shao she shei shen sheng shi shou shu shua shuai shuan shuang shui shun shuo si song sou su suan
        sui sun suo ta tai tan tang tao te teng ti tian tiao tie ting tong tou tu tuan tui tun tuo wa
        wai wan wang wei wen weng wo wu xi xia xian xiang xiao xie xin xing xiong xiu xu xuan xue xun ya
        yan yang yao ye yi yin ying yo yong you yu yuan yue yun za zai zan zang zao ze zei zen zeng zha
        zhai zhan zhang zhao zhe zhei zhen zheng zhi zhong zhou zhu zhua zhuai zhuan zhuang zhui zhun
        zhuo zi zong zou zu zuan zui zun zuo
    """)
)
"""Toneless pinyin syllables (ü written v, or yu in passport spelling: lv, lyu)."""

UMLAUT_SPELLINGS: dict[str, tuple[str, ...]] = {
    "lv": ("lv", "lyu", "lu"), "lyu": ("lv", "lyu", "lu"), "nv": ("nv", "nyu", "nu"),
    "nyu": ("nv", "nyu", "nu"), "lve": ("lve", "lue", "lyue"), "nve": ("nve", "nue", "nyue"),
}  # fmt: skip
"""How ü syllables are spelled in the wild: pinyin input (lv), passports since 2012 (lyu), before (lu)."""

NICKNAMES: dict[str, str] = {
    "bob": "robert", "bobby": "robert", "rob": "robert", "robbie": "robert", "bert": "robert",
    "bill": "william", "billy": "william", "will": "william", "willy": "william", "liam": "william",
    "liz": "elizabeth", "lizzie": "elizabeth", "beth": "elizabeth", "betty": "elizabeth",
    "eliza": "elizabeth", "jim": "james", "jimmy": "james", "jamie": "james", "mike": "michael",
    "mick": "michael", "mikey": "michael", "dave": "david", "davy": "david", "dick": "richard",
    "rick": "richard", "ricky": "richard", "rich": "richard", "tom": "thomas", "tommy": "thomas",
    "tony": "anthony", "chris": "christopher", "kit": "christopher", "kate": "katherine",
    "katie": "katherine", "kathy": "katherine", "cathy": "katherine", "kitty": "katherine",
    "jenny": "jennifer", "jen": "jennifer", "alex": "alexander", "andy": "andrew", "drew": "andrew",
    "ben": "benjamin", "benny": "benjamin", "dan": "daniel", "danny": "daniel", "ed": "edward",
    "eddie": "edward", "ted": "edward", "teddy": "edward", "joe": "joseph", "joey": "joseph",
    "jack": "john", "johnny": "john", "larry": "lawrence", "matt": "matthew", "nick": "nicholas",
    "pat": "patrick", "pete": "peter", "sam": "samuel", "sammy": "samuel", "steve": "stephen",
    "steven": "stephen", "sue": "susan", "susie": "susan", "peggy": "margaret", "maggie": "margaret",
    "meg": "margaret", "greg": "gregory", "charlie": "charles", "chuck": "charles", "fred": "frederick",
    "freddie": "frederick", "harry": "henry", "hank": "henry", "jeff": "jeffrey", "ken": "kenneth",
    "kenny": "kenneth", "tim": "timothy", "vicky": "victoria", "abby": "abigail", "becky": "rebecca",
    "debbie": "deborah", "deb": "deborah", "don": "donald", "ron": "ronald", "ronnie": "ronald",
    "gerry": "gerald", "jerry": "gerald", "nate": "nathan", "manny": "manuel", "frank": "francis",
    "jon": "jonathan", "josh": "joshua", "zach": "zachary", "mandy": "amanda", "jessie": "jessica",
    "jess": "jessica", "cindy": "cynthia", "patty": "patricia", "trish": "patricia",
}  # fmt: skip
"""English nicknames -> the given name on the passport (lower case)."""
