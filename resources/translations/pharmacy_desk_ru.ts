<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="ru_RU">
<context>
    <name>AlertArea</name>
    <message>
        <source>Couriers are waiting</source>
        <translation>Ждут курьеры</translation>
    </message>
    <message>
        <source>New orders</source>
        <translation>Новые заказы</translation>
    </message>
    <message>
        <source>Canceled during assembly</source>
        <translation>Отменены во время сборки</translation>
    </message>
    <message>
        <source>Actions not accepted</source>
        <translation>Действия не приняты</translation>
    </message>
    <message>
        <source>Stock problems</source>
        <translation>Проблемы с остатками</translation>
    </message>
    <message>
        <source>Kuper did not accept</source>
        <translation>Купер не принял</translation>
    </message>
    <message>
        <source>Cash register</source>
        <translation>Касса</translation>
    </message>
    <message>
        <source>Attention</source>
        <translation>Внимание</translation>
    </message>
    <message>
        <source>Information</source>
        <translation>Информация</translation>
    </message>
    <message>
        <source>Remove these alerts</source>
        <translation>Убрать эти оповещения</translation>
    </message>
    <message>
        <source>No alerts</source>
        <translation>Оповещений нет</translation>
    </message>
    <message>
        <source>All alerts: %1 ▾</source>
        <translation>Все оповещения: %1 ▾</translation>
    </message>
</context>
<context>
    <name>AlertList</name>
    <message>
        <source>Enter — open the order · Del — remove the alert · Esc — close</source>
        <translation>Enter — открыть заказ · Del — убрать оповещение · Esc — закрыть</translation>
    </message>
</context>
<context>
    <name>Alerts</name>
    <message>
        <source>Pharmacy desk</source>
        <translation>Аптечная касса</translation>
    </message>
    <message>
        <source>and %1 more</source>
        <translation>и ещё %1</translation>
    </message>
    <message>
        <source>New orders: %1. Press F2 when you have seen them.</source>
        <translation>Новые заказы: %1. Нажмите F2, когда увидели.</translation>
    </message>
    <message>
        <source>Seen (F2)</source>
        <translation>Увидел (F2)</translation>
    </message>
    <message>
        <source>New order</source>
        <translation>Новый заказ</translation>
    </message>
    <message>
        <source>The courier has arrived for order %1</source>
        <translation>Курьер прибыл за заказом %1</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Открыть</translation>
    </message>
    <message>
        <source>Courier arrived</source>
        <translation>Курьер прибыл</translation>
    </message>
    <message>
        <source>Kuper did not accept «%1»: %2</source>
        <translation>Купер не принял уведомление «%1»: %2</translation>
    </message>
</context>
<context>
    <name>AssemblyLinesModel</name>
    <message>
        <source>Product</source>
        <translation>Товар</translation>
    </message>
    <message>
        <source>Ordered</source>
        <translation>Заказано</translation>
    </message>
    <message>
        <source>Picked</source>
        <translation>Собрано</translation>
    </message>
    <message>
        <source>Take (series, expiry, where)</source>
        <translation>Взять (серия, срок, где)</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Причина</translation>
    </message>
    <message>
        <source>%1 (instead of %2)</source>
        <translation>%1 (вместо %2)</translation>
    </message>
    <message>
        <source>(series?)</source>
        <translation>(серия?)</translation>
    </message>
</context>
<context>
    <name>AssemblyView</name>
    <message>
        <source>Customer&apos;s phone: %1</source>
        <translation>Телефон покупателя: %1</translation>
    </message>
    <message>
        <source>Substitute %1: scan %2 pack(s)</source>
        <translation>Замена %1: сканируйте упаковки (%2 уп.)</translation>
    </message>
    <message>
        <source>Type or paste a code the scanner cannot read, then Enter (F3)</source>
        <translation>Введите или вставьте код, который сканер не читает, и нажмите Enter (F3)</translation>
    </message>
    <message>
        <source>F5 Start assembly</source>
        <translation>F5 Начать</translation>
    </message>
    <message>
        <source>F6 Fewer packs</source>
        <translation>F6 Меньше</translation>
    </message>
    <message>
        <source>F7 Missing</source>
        <translation>F7 Нет товара</translation>
    </message>
    <message>
        <source>F4 Substitute</source>
        <translation>F4 Замена</translation>
    </message>
    <message>
        <source>Del Take pack out</source>
        <translation>Del Убрать</translation>
    </message>
    <message>
        <source>F8 Assembled</source>
        <translation>F8 Собрано</translation>
    </message>
    <message>
        <source>F9 Ready</source>
        <translation>F9 Готов</translation>
    </message>
    <message>
        <source>Esc Queue</source>
        <translation>Esc Очередь</translation>
    </message>
    <message>
        <source>Order %1 is open</source>
        <translation>Открыт заказ %1</translation>
    </message>
    <message>
        <source>Pickup</source>
        <translation>Самовывоз</translation>
    </message>
    <message>
        <source>Delivery</source>
        <translation>Доставка</translation>
    </message>
    <message>
        <source>%1 min left</source>
        <translation>осталось %1 мин</translation>
    </message>
    <message>
        <source>%1 min late</source>
        <translation>опоздание %1 мин</translation>
    </message>
    <message>
        <source>Assembled by: %1</source>
        <translation>Собирает: %1</translation>
    </message>
    <message>
        <source>assigned</source>
        <translation>назначен</translation>
    </message>
    <message>
        <source>is here!</source>
        <translation>ждёт!</translation>
    </message>
    <message>
        <source>Courier: %1</source>
        <translation>Курьер: %1</translation>
    </message>
    <message>
        <source>Customer: %1</source>
        <translation>Покупатель: %1</translation>
    </message>
    <message>
        <source>Comment: %1</source>
        <translation>Комментарий: %1</translation>
    </message>
    <message>
        <source>Which series is on this pack (%1)? Press its number:</source>
        <translation>Какая серия на этой упаковке (%1)? Нажмите её номер:</translation>
    </message>
    <message>
        <source>Packs: %1 of %2</source>
        <translation>Упаковок: %1 из %2</translation>
    </message>
    <message>
        <source>Amount: %1</source>
        <translation>Сумма: %1</translation>
    </message>
    <message>
        <source>Missing line</source>
        <translation>Товара нет</translation>
    </message>
    <message>
        <source>Why is there none of %1?</source>
        <translation>Почему нет ни одной упаковки: %1?</translation>
    </message>
    <message>
        <source>Why only %1 of %2 packs of %3?</source>
        <translation>Почему только %1 из %2 упаковок: %3?</translation>
    </message>
    <message>
        <source>Fewer packs</source>
        <translation>Меньше упаковок</translation>
    </message>
    <message>
        <source>Substitute added: scan its packs</source>
        <translation>Замена добавлена: сканируйте её упаковки</translation>
    </message>
    <message>
        <source>Assembly started: Kuper is told the order is in work</source>
        <translation>Сборка начата: Купер узнает, что заказ в работе</translation>
    </message>
    <message>
        <source>Assembled</source>
        <translation>Собрано</translation>
    </message>
    <message>
        <source>Ready: Kuper has the final composition</source>
        <translation>Готов: итоговый состав отправлен Куперу</translation>
    </message>
<message>
        <source>Scan the packs of the order. F5 starts the assembly.</source>
        <translation>Сканируйте упаковки заказа. F5 — начать сборку.</translation>
    </message>
    </context>
<context>
    <name>CancelDialog</name>
    <message>
        <source>Cancel order %1</source>
        <translation>Отмена заказа %1</translation>
    </message>
    <message>
        <source>Choose the reason</source>
        <translation>Выберите причину</translation>
    </message>
    <message>
        <source>What happened, for Kuper and the customer (optional)</source>
        <translation>Что случилось — для Купера и покупателя (необязательно)</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Причина</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>Описание</translation>
    </message>
    <message>
        <source>Kuper and the customer are told at once. This cannot be undone.</source>
        <translation>Купер и покупатель узнают об отмене сразу. Отменить отмену нельзя.</translation>
    </message>
</context>
<context>
    <name>ConnectDialog</name>
    <message>
        <source>Connect to the server</source>
        <translation>Подключение к серверу</translation>
    </message>
    <message>
        <source>Enter what the server administrator gave you for this PC.</source>
        <translation>Введите данные, которые администратор сервера выдал для этого компьютера.</translation>
    </message>
    <message>
        <source>e.g. Counter 1</source>
        <translation>например, Касса 1</translation>
    </message>
    <message>
        <source>Server address</source>
        <translation>Адрес сервера</translation>
    </message>
    <message>
        <source>Store code</source>
        <translation>Код аптеки</translation>
    </message>
    <message>
        <source>This PC's name</source>
        <translation>Название этого ПК</translation>
    </message>
    <message>
        <source>Device token</source>
        <translation>Токен кассы</translation>
    </message>
    <message>
        <source>Test the connection</source>
        <translation>Проверить связь</translation>
    </message>
    <message>
        <source>Save and connect</source>
        <translation>Сохранить и подключиться</translation>
    </message>
    <message>
        <source>Enter the server address and the store code</source>
        <translation>Введите адрес сервера и код аптеки</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>Проверка…</translation>
    </message>
    <message>
        <source>Continue without saving the token</source>
        <translation>Продолжить без сохранения токена</translation>
    </message>
    <message>
        <source>No password store on this PC: the token is kept in the file %1, readable only by you.</source>
        <translation>На этом компьютере нет хранилища паролей: токен хранится в файле %1, доступном только вам.</translation>
    </message>
</context>
<context>
    <name>CourierCard</name>
    <message>
        <source>No courier yet</source>
        <translation>Курьер ещё не назначен</translation>
    </message>
    <message>
        <source>Kuper has not assigned a courier to this order yet.</source>
        <translation>Купер пока не назначил курьера на этот заказ.</translation>
    </message>
    <message>
        <source>Courier</source>
        <translation>Курьер</translation>
    </message>
    <message>
        <source>Took the bag at %1</source>
        <translation>Забрал пакет в %1</translation>
    </message>
    <message>
        <source>At the counter since %1</source>
        <translation>У кассы с %1</translation>
    </message>
    <message>
        <source>On the way to the pharmacy</source>
        <translation>Едет в аптеку</translation>
    </message>
</context>
<context>
    <name>DeliveryTimeline</name>
    <message>
        <source>Paid</source>
        <translation>Оплачен</translation>
    </message>
    <message>
        <source>Courier took the bag</source>
        <translation>Курьер забрал пакет</translation>
    </message>
    <message>
        <source>On the way</source>
        <translation>В пути</translation>
    </message>
    <message>
        <source>Delivered</source>
        <translation>Доставлен</translation>
    </message>
    <message>
        <source>not reported</source>
        <translation>не сообщалось</translation>
    </message>
    <message>
        <source>waiting</source>
        <translation>ожидается</translation>
    </message>
</context>
<context>
    <name>DiagnosticsDialog</name>
    <message>
        <source>About / Diagnostics</source>
        <translation>О программе / Диагностика</translation>
    </message>
    <message>
        <source>Versions</source>
        <translation>Версии</translation>
    </message>
    <message>
        <source>Files</source>
        <translation>Файлы</translation>
    </message>
    <message>
        <source>Connection</source>
        <translation>Подключение</translation>
    </message>
    <message>
        <source>Save support bundle…</source>
        <translation>Сохранить архив для поддержки…</translation>
    </message>
    <message>
        <source>Open log folder</source>
        <translation>Открыть папку журналов</translation>
    </message>
    <message>
        <source>installed program</source>
        <translation>установленная программа</translation>
    </message>
    <message>
        <source>from source</source>
        <translation>из исходного кода</translation>
    </message>
    <message>
        <source>Program</source>
        <translation>Программа</translation>
    </message>
    <message>
        <source>Operating system</source>
        <translation>Операционная система</translation>
    </message>
    <message>
        <source>Qt platform</source>
        <translation>Платформа Qt</translation>
    </message>
    <message>
        <source>Settings file</source>
        <translation>Файл настроек</translation>
    </message>
    <message>
        <source>Log folder</source>
        <translation>Папка журналов</translation>
    </message>
    <message>
        <source>Log file</source>
        <translation>Файл журнала</translation>
    </message>
    <message>
        <source>Data folder</source>
        <translation>Папка данных</translation>
    </message>
    <message>
        <source>Offline queue</source>
        <translation>Очередь без связи</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Состояние</translation>
    </message>
    <message>
        <source>not started</source>
        <translation>не запущено</translation>
    </message>
    <message>
        <source>Server</source>
        <translation>Сервер</translation>
    </message>
    <message>
        <source>Store</source>
        <translation>Аптека</translation>
    </message>
    <message>
        <source>This PC</source>
        <translation>Эта касса</translation>
    </message>
    <message>
        <source>Last error</source>
        <translation>Последняя ошибка</translation>
    </message>
    <message>
        <source>Last event</source>
        <translation>Последнее событие</translation>
    </message>
    <message>
        <source>Actions waiting</source>
        <translation>Ждут отправки</translation>
    </message>
    <message>
        <source>Kuper feed</source>
        <translation>Выгрузка в Купер</translation>
    </message>
    <message>
        <source>Kuper orders</source>
        <translation>Заказы Купера</translation>
    </message>
    <message>
        <source>taking orders</source>
        <translation>принимаются</translation>
    </message>
    <message>
        <source>Save support bundle</source>
        <translation>Сохранить архив для поддержки</translation>
    </message>
    <message>
        <source>Zip archives (*.zip)</source>
        <translation>Архивы zip (*.zip)</translation>
    </message>
    <message>
        <source>The support bundle was not saved: %1</source>
        <translation>Архив для поддержки не сохранён: %1</translation>
    </message>
    <message>
        <source>Support bundle saved: %1</source>
        <translation>Архив для поддержки сохранён: %1</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Справка</translation>
    </message>
    <message>
        <source>About / Diagnostics…</source>
        <translation>О программе / Диагностика…</translation>
    </message>
<message>
        <source>Kuper feed</source>
        <translation>Выгрузка в Купер</translation>
    </message>
    <message>
        <source>Kuper orders</source>
        <translation>Заказы Купера</translation>
    </message>
    <message>
        <source>taking orders</source>
        <translation>принимаются</translation>
    </message>
    </context>
<context>
    <name>ErrorHooks</name>
    <message>
        <source>The error is written to the log. The program keeps working.</source>
        <translation>Ошибка записана в журнал. Программа продолжает работать.</translation>
    </message>
</context>
<context>
    <name>ExtendPickupDialog</name>
    <message>
        <source>Extend pickup</source>
        <translation>Продление хранения</translation>
    </message>
    <message>
        <source>Keep order %1 until:</source>
        <translation>Хранить заказ %1 до:</translation>
    </message>
</context>
<context>
    <name>HandoverLinesModel</name>
    <message>
        <source>Product</source>
        <translation>Товар</translation>
    </message>
    <message>
        <source>In the bag</source>
        <translation>В пакете</translation>
    </message>
    <message>
        <source>Given</source>
        <translation>Выдаётся</translation>
    </message>
    <message>
        <source>Price</source>
        <translation>Цена</translation>
    </message>
    <message>
        <source>Sum</source>
        <translation>Сумма</translation>
    </message>
</context>
<context>
    <name>HandoverView</name>
    <message>
        <source>Hand-over</source>
        <translation>Выдача</translation>
    </message>
    <message>
        <source>Order or Kuper number, phone's last 4 digits, or scan the bag (F3)</source>
        <translation>Номер заказа или Купера, 4 последние цифры телефона, или скан пакета (F3)</translation>
    </message>
    <message>
        <source>Pickup code</source>
        <translation>Код выдачи</translation>
    </message>
    <message>
        <source>Code the customer tells, then Enter</source>
        <translation>Код, который называет покупатель, и Enter</translation>
    </message>
    <message>
        <source>F6 Paid in cash</source>
        <translation>F6 Наличные</translation>
    </message>
    <message>
        <source>F7 Paid by card</source>
        <translation>F7 Картой</translation>
    </message>
    <message>
        <source>Del Pack declined</source>
        <translation>Del Отказ от упаковки</translation>
    </message>
    <message>
        <source>Ins Pack back</source>
        <translation>Ins Вернуть упаковку</translation>
    </message>
    <message>
        <source>F9 Hand over</source>
        <translation>F9 Выдать</translation>
    </message>
    <message>
        <source>F8 Refuses to pay</source>
        <translation>F8 Отказ от оплаты</translation>
    </message>
    <message>
        <source>Esc Queue</source>
        <translation>Esc Очередь</translation>
    </message>
    <message>
        <source>Scan the bag label or type the order number.</source>
        <translation>Отсканируйте этикетку пакета или введите номер заказа.</translation>
    </message>
    <message>
        <source>Delivery order: Kuper's courier takes the bag.</source>
        <translation>Заказ с доставкой: пакет забирает курьер Купера.</translation>
    </message>
    <message>
        <source>Ask the customer for the pickup code and type it.</source>
        <translation>Спросите у покупателя код выдачи и введите его.</translation>
    </message>
    <message>
        <source>Code checked. Take the payment.</source>
        <translation>Код проверен. Примите оплату.</translation>
    </message>
    <message>
        <source>The order is not waiting for the customer: %1</source>
        <translation>Заказ не ждёт покупателя: %1</translation>
    </message>
    <message>
        <source>Several orders match: %1. Type more digits</source>
        <translation>Подходят несколько заказов: %1. Введите больше цифр</translation>
    </message>
    <message>
        <source>No order %1 in the queue</source>
        <translation>Заказа %1 нет в очереди</translation>
    </message>
    <message>
        <source>This bag belongs to another store (%1)</source>
        <translation>Этот пакет из другой аптеки (%1)</translation>
    </message>
    <message>
        <source>Scan the bag label (its QR), not a pack</source>
        <translation>Сканируйте этикетку пакета (QR), а не упаковку</translation>
    </message>
    <message>
        <source>First scan the bag label or type the order number</source>
        <translation>Сначала отсканируйте этикетку пакета или введите номер заказа</translation>
    </message>
    <message>
        <source>A delivery order has no pickup code</source>
        <translation>У заказа с доставкой нет кода выдачи</translation>
    </message>
    <message>
        <source>Code is correct. Take the payment: %1</source>
        <translation>Код верный. Примите оплату: %1</translation>
    </message>
    <message>
        <source>Wrong pickup code. Tries left: %1</source>
        <translation>Неверный код выдачи. Осталось попыток: %1</translation>
    </message>
    <message>
        <source>Too many wrong codes: checking the code is locked for a while</source>
        <translation>Слишком много неверных попыток: проверка кода временно заблокирована</translation>
    </message>
    <message>
        <source>Too many wrong codes: checking the code is locked until %1</source>
        <translation>Слишком много неверных попыток: проверка кода заблокирована до %1</translation>
    </message>
    <message>
        <source>Pack taken out. New amount: %1</source>
        <translation>Упаковка убрана. Новая сумма: %1</translation>
    </message>
    <message>
        <source>Pack back in. New amount: %1</source>
        <translation>Упаковка возвращена. Новая сумма: %1</translation>
    </message>
    <message>
        <source>Every pack is declined: nothing to pay for</source>
        <translation>Покупатель отказался от всех упаковок: платить не за что</translation>
    </message>
    <message>
        <source>Paid in cash: %1</source>
        <translation>Оплачено наличными: %1</translation>
    </message>
    <message>
        <source>Paid by card: %1</source>
        <translation>Оплачено картой: %1</translation>
    </message>
    <message>
        <source>Order %1 handed over</source>
        <translation>Заказ %1 выдан</translation>
    </message>
    <message>
        <source>Customer refuses to pay</source>
        <translation>Покупатель отказывается платить</translation>
    </message>
    <message>
        <source>Cancel order %1 because the customer does not pay? The packs go back to stock.</source>
        <translation>Отменить заказ %1, потому что покупатель не платит? Товар вернётся на склад.</translation>
    </message>
    <message>
        <source>Order %1 canceled: not paid. Put the packs back.</source>
        <translation>Заказ %1 отменён: не оплачен. Верните товар на полку.</translation>
    </message>
    <message>
        <source>A delivery order is handed to Kuper's courier, not here</source>
        <translation>Заказ с доставкой передаётся курьеру Купера, не здесь</translation>
    </message>
    <message>
        <source>The order is not waiting for the customer</source>
        <translation>Заказ не ждёт покупателя</translation>
    </message>
    <message>
        <source>First check the customer's pickup code</source>
        <translation>Сначала проверьте код выдачи покупателя</translation>
    </message>
    <message>
        <source>Every pack is declined: cancel the order instead (F8)</source>
        <translation>Покупатель отказался от всех упаковок: отмените заказ (F8)</translation>
    </message>
    <message>
        <source>No payment, no hand-over: take the payment first (F6 cash, F7 card)</source>
        <translation>Нет оплаты — нет выдачи: сначала примите оплату (F6 наличные, F7 карта)</translation>
    </message>
    <message>
        <source>No order on the screen</source>
        <translation>Заказ не выбран</translation>
    </message>
    <message>
        <source>Pickup</source>
        <translation>Самовывоз</translation>
    </message>
    <message>
        <source>Delivery</source>
        <translation>Доставка</translation>
    </message>
    <message>
        <source>Kuper: %1</source>
        <translation>Купер: %1</translation>
    </message>
    <message>
        <source>Customer: %1</source>
        <translation>Покупатель: %1</translation>
    </message>
    <message>
        <source>Packs: %1</source>
        <translation>Упаковок: %1</translation>
    </message>
    <message>
        <source>To pay: %1</source>
        <translation>К оплате: %1</translation>
    </message>
    <message>
        <source>Paid to Kuper</source>
        <translation>Оплачен Куперу</translation>
    </message>
    <message>
        <source>in cash</source>
        <translation>наличными</translation>
    </message>
    <message>
        <source>by card</source>
        <translation>картой</translation>
    </message>
    <message>
        <source>to Kuper</source>
        <translation>Куперу</translation>
    </message>
    <message>
        <source>Paid %1: %2</source>
        <translation>Оплачено %1: %2</translation>
    </message>
    <message>
        <source>Paid to Kuper: nothing to take</source>
        <translation>Оплачен Куперу: деньги не принимать</translation>
    </message>
    <message>
        <source>Not paid yet</source>
        <translation>Не оплачено</translation>
    </message>
    <message>
        <source>✔ Pickup code checked</source>
        <translation>✔ Код выдачи проверен</translation>
    </message>
    <message>
        <source>Pickup code not checked yet</source>
        <translation>Код выдачи ещё не проверен</translation>
    </message>
    <message>
        <source>No order is waiting for its customer</source>
        <translation>Нет заказов, ждущих покупателя</translation>
    </message>
    <message>
        <source>Waiting for the customer (%1): %2</source>
        <translation>Ждут покупателя (%1): %2</translation>
    </message>
<message>
        <source>Order number, or scan the bag label (F3)</source>
        <translation>Номер заказа или скан этикетки пакета (F3)</translation>
    </message>
    </context>
<context>
    <name>HistoryModel</name>
    <message>
        <source>Time</source>
        <translation>Время</translation>
    </message>
    <message>
        <source>Who</source>
        <translation>Кто</translation>
    </message>
    <message>
        <source>Event</source>
        <translation>Событие</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Состояние</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>Подробности</translation>
    </message>
    <message>
        <source>New order</source>
        <translation>Новый заказ</translation>
    </message>
    <message>
        <source>Kuper changed the order</source>
        <translation>Купер изменил заказ</translation>
    </message>
    <message>
        <source>Courier assigned</source>
        <translation>Назначен курьер</translation>
    </message>
    <message>
        <source>Courier arrived</source>
        <translation>Курьер прибыл</translation>
    </message>
    <message>
        <source>Paid to Kuper</source>
        <translation>Оплачен Куперу</translation>
    </message>
    <message>
        <source>Courier took the bag</source>
        <translation>Курьер забрал пакет</translation>
    </message>
    <message>
        <source>On the way</source>
        <translation>В пути</translation>
    </message>
    <message>
        <source>Delivered / handed over</source>
        <translation>Доставлен / выдан</translation>
    </message>
    <message>
        <source>Canceled</source>
        <translation>Отменён</translation>
    </message>
    <message>
        <source>Accepted</source>
        <translation>Принят</translation>
    </message>
    <message>
        <source>Assembly started</source>
        <translation>Сборка начата</translation>
    </message>
    <message>
        <source>Assembled</source>
        <translation>Собран</translation>
    </message>
    <message>
        <source>Ready, final composition</source>
        <translation>Готов, итоговый состав</translation>
    </message>
    <message>
        <source>Pickup code sent</source>
        <translation>Код выдачи отправлен</translation>
    </message>
    <message>
        <source>Accept</source>
        <translation>Принять</translation>
    </message>
    <message>
        <source>Start assembly</source>
        <translation>Начать сборку</translation>
    </message>
    <message>
        <source>Ready</source>
        <translation>Готов</translation>
    </message>
    <message>
        <source>Issue pickup code</source>
        <translation>Создать код выдачи</translation>
    </message>
    <message>
        <source>Bag label printed</source>
        <translation>Напечатана этикетка</translation>
    </message>
    <message>
        <source>Pickup code checked</source>
        <translation>Проверка кода выдачи</translation>
    </message>
    <message>
        <source>Handed over</source>
        <translation>Выдан</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Отмена</translation>
    </message>
    <message>
        <source>received</source>
        <translation>принято</translation>
    </message>
    <message>
        <source>out of order</source>
        <translation>не по порядку</translation>
    </message>
    <message>
        <source>repeated</source>
        <translation>повтор</translation>
    </message>
    <message>
        <source>before the order</source>
        <translation>раньше заказа</translation>
    </message>
    <message>
        <source>invalid</source>
        <translation>неверный формат</translation>
    </message>
    <message>
        <source>error</source>
        <translation>ошибка</translation>
    </message>
    <message>
        <source>done</source>
        <translation>выполнено</translation>
    </message>
    <message>
        <source>refused</source>
        <translation>отказано</translation>
    </message>
    <message>
        <source>order had changed</source>
        <translation>заказ изменился</translation>
    </message>
    <message>
        <source>rejected</source>
        <translation>отклонено</translation>
    </message>
    <message>
        <source>waiting to be sent</source>
        <translation>ждёт отправки</translation>
    </message>
    <message>
        <source>retrying</source>
        <translation>повторяется</translation>
    </message>
    <message>
        <source>delivered to Kuper</source>
        <translation>доставлено Куперу</translation>
    </message>
    <message>
        <source>Kuper refused</source>
        <translation>Купер отказал</translation>
    </message>
    <message>
        <source>(attempts: %1)</source>
        <translation>(попыток: %1)</translation>
    </message>
    <message>
        <source>Kuper</source>
        <translation>Купер</translation>
    </message>
    <message>
        <source>Pharmacy → Kuper</source>
        <translation>Аптека → Купер</translation>
    </message>
    <message>
        <source>answer %1</source>
        <translation>ответ %1</translation>
    </message>
</context>
<context>
    <name>LabelPrinting</name>
    <message>
        <source>Bag label %1 — %2</source>
        <translation>Этикетка пакета %1 — %2</translation>
    </message>
    <message>
        <source>No printer found: the label of %1 was not printed (Ctrl+P: preview, PDF)</source>
        <translation>Принтер не найден: этикетка %1 не напечатана (Ctrl+P — предпросмотр, PDF)</translation>
    </message>
    <message>
        <source>The label was not printed: %1</source>
        <translation>Этикетка не напечатана: %1</translation>
    </message>
    <message>
        <source>Label of %1 printed</source>
        <translation>Этикетка %1 напечатана</translation>
    </message>
    <message>
        <source>Label of %1 printed, not recorded: %2</source>
        <translation>Этикетка %1 напечатана, но не записана: %2</translation>
    </message>
</context>
<context>
    <name>LabelSettingsDialog</name>
    <message>
        <source>Pick list paper</source>
        <translation>Бумага сборочного листа</translation>
    </message>
    <message>
        <source>Bag labels</source>
        <translation>Этикетки пакетов</translation>
    </message>
    <message>
        <source>System default printer</source>
        <translation>Принтер по умолчанию</translation>
    </message>
    <message>
        <source>Print the label when an order is made ready on this PC</source>
        <translation>Печатать этикетку, когда заказ готов (на этой кассе)</translation>
    </message>
    <message>
        <source>no numbered cells</source>
        <translation>ячейки не нумеруются</translation>
    </message>
    <message>
        <source>The label prints the bag's cell in large digits (never the pickup code)</source>
        <translation>На этикетке крупно печатается ячейка пакета (код выдачи — никогда)</translation>
    </message>
    <message>
        <source>as on the sign, e.g. Аптека №12</source>
        <translation>как на вывеске, например Аптека №12</translation>
    </message>
    <message>
        <source>Paper</source>
        <translation>Бумага</translation>
    </message>
    <message>
        <source>Printer</source>
        <translation>Принтер</translation>
    </message>
    <message>
        <source>Pharmacy name</source>
        <translation>Название аптеки</translation>
    </message>
    <message>
        <source>Shelf cells</source>
        <translation>Ячеек на полке</translation>
    </message>
</context>
<context>
    <name>LineChoiceDialog</name>
    <message>
        <source>Which product is it?</source>
        <translation>Какой это товар?</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Pharmacy desk</source>
        <translation>Аптечная касса</translation>
    </message>
    <message>
        <source>Kuper orders</source>
        <translation>Заказы Купера</translation>
    </message>
    <message>
        <source>&amp;Pharmacy</source>
        <translation>&amp;Аптека</translation>
    </message>
    <message>
        <source>Connection settings…</source>
        <translation>Настройки подключения…</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>Выход</translation>
    </message>
    <message>
        <source>Connection settings</source>
        <translation>Настройки подключения</translation>
    </message>
    <message>
        <source>Saved. Restart the program to connect with the new settings.</source>
        <translation>Сохранено. Перезапустите программу, чтобы подключиться с новыми настройками.</translation>
    </message>
    <message>
        <source>This bag belongs to another store (%1)</source>
        <translation>Этот пакет из другой аптеки (%1)</translation>
    </message>
    <message>
        <source>Order %1 is not in the queue</source>
        <translation>Заказа %1 нет в очереди</translation>
    </message>
    <message>
        <source>Open an order to scan its packs (Enter on the order)</source>
        <translation>Чтобы сканировать упаковки, откройте заказ (Enter на заказе)</translation>
    </message>
    <message>
        <source>%1

Drop the order's unsent actions and continue from its current state?</source>
        <translation>%1

Удалить неотправленные действия по заказу и продолжить с его текущего состояния?</translation>
    </message>
    <message>
        <source>Resolve…</source>
        <translation>Разобрать…</translation>
    </message>
    <message>
        <source>Action not sent</source>
        <translation>Действие не отправлено</translation>
    </message>
<message>
        <source>Pharmacy desk — Kuper orders</source>
        <translation>Аптечная касса — заказы Купера</translation>
    </message>
    <message>
        <source>Order %1: a saved action was not accepted: %2</source>
        <translation>Заказ %1: сохранённое действие не принято: %2</translation>
    </message>
    <message>
        <source>Order %1: %2

Drop the order's unsent actions and continue from its current state?</source>
        <translation>Заказ %1: %2

Отменить неотправленные действия по заказу и продолжить с его текущего состояния?</translation>
    </message>
</context>
<context>
    <name>OrderDetailDialog</name>
    <message>
        <source>Order %1</source>
        <translation>Заказ %1</translation>
    </message>
    <message>
        <source>Product</source>
        <translation>Товар</translation>
    </message>
    <message>
        <source>Ordered</source>
        <translation>Заказано</translation>
    </message>
    <message>
        <source>Given</source>
        <translation>Выдаётся</translation>
    </message>
    <message>
        <source>Sum</source>
        <translation>Сумма</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>Примечание</translation>
    </message>
    <message>
        <source>Retry sending (Ctrl+R)</source>
        <translation>Отправить снова (Ctrl+R)</translation>
    </message>
    <message>
        <source>Cancel order…</source>
        <translation>Отменить заказ…</translation>
    </message>
    <message>
        <source>Print label (Ctrl+P)</source>
        <translation>Печать этикетки (Ctrl+P)</translation>
    </message>
    <message>
        <source>Reload (F5)</source>
        <translation>Обновить (F5)</translation>
    </message>
    <message>
        <source>Close (Esc)</source>
        <translation>Закрыть (Esc)</translation>
    </message>
    <message>
        <source>History: Kuper's events, the staff's actions, notifications to Kuper</source>
        <translation>История: события Купера, действия сотрудников, уведомления Куперу</translation>
    </message>
    <message>
        <source>Pickup</source>
        <translation>Самовывоз</translation>
    </message>
    <message>
        <source>Delivery</source>
        <translation>Доставка</translation>
    </message>
    <message>
        <source>Kuper: %1</source>
        <translation>Купер: %1</translation>
    </message>
    <message>
        <source>Customer: %1</source>
        <translation>Покупатель: %1</translation>
    </message>
    <message>
        <source>Amount: %1</source>
        <translation>Сумма: %1</translation>
    </message>
    <message>
        <source>Assembled by: %1</source>
        <translation>Собирает: %1</translation>
    </message>
    <message>
        <source>in cash</source>
        <translation>наличными</translation>
    </message>
    <message>
        <source>by card</source>
        <translation>картой</translation>
    </message>
    <message>
        <source>to Kuper</source>
        <translation>Куперу</translation>
    </message>
    <message>
        <source>Paid %1: %2</source>
        <translation>Оплачено %1: %2</translation>
    </message>
    <message>
        <source>by Kuper</source>
        <translation>Купером</translation>
    </message>
    <message>
        <source>by the pharmacy</source>
        <translation>аптекой</translation>
    </message>
    <message>
        <source>Canceled %1: %2</source>
        <translation>Отменён %1: %2</translation>
    </message>
    <message>
        <source>instead of %1</source>
        <translation>вместо %1</translation>
    </message>
    <message>
        <source>marking codes: %1</source>
        <translation>кодов маркировки: %1</translation>
    </message>
    <message>
        <source>Sent again: %1</source>
        <translation>Отправлено снова: %1</translation>
    </message>
    <message>
        <source>The order is being assembled</source>
        <translation>Заказ собирают</translation>
    </message>
    <message>
        <source>%1 is assembling order %2 right now. Cancel it anyway? That PC is told at once and shown which packs to put back on the shelf.</source>
        <translation>%1 сейчас собирает заказ %2. Всё равно отменить? Там сразу узнают об этом и увидят, какие упаковки вернуть на полку.</translation>
    </message>
    <message>
        <source>Order %1 canceled</source>
        <translation>Заказ %1 отменён</translation>
    </message>
</context>
<context>
    <name>OrderQueueModel</name>
    <message>
        <source>Number</source>
        <translation>Номер</translation>
    </message>
    <message>
        <source>Kuper id</source>
        <translation>Код Купера</translation>
    </message>
    <message>
        <source>Flow</source>
        <translation>Способ</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Состояние</translation>
    </message>
    <message>
        <source>Packs</source>
        <translation>Упаковок</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>Сумма</translation>
    </message>
    <message>
        <source>Time left</source>
        <translation>Осталось</translation>
    </message>
    <message>
        <source>Courier</source>
        <translation>Курьер</translation>
    </message>
    <message>
        <source>Assembled by</source>
        <translation>Собирает</translation>
    </message>
    <message>
        <source>Delivery</source>
        <translation>Доставка</translation>
    </message>
    <message>
        <source>Pickup</source>
        <translation>Самовывоз</translation>
    </message>
    <message>
        <source>?</source>
        <translation>?</translation>
    </message>
    <message>
        <source>%1 min</source>
        <translation>%1 мин</translation>
    </message>
    <message>
        <source>late %1</source>
        <translation>−%1</translation>
    </message>
    <message>
        <source>Courier is here!</source>
        <translation>Курьер ждёт!</translation>
    </message>
    <message>
        <source>assigned</source>
        <translation>назначен</translation>
    </message>
<message>
        <source>waiting %1</source>
        <translation>ждёт %1</translation>
    </message>
    </context>
<context>
    <name>OrderTools</name>
    <message>
        <source>Pick list: preview and print…</source>
        <translation>Сборочный лист: просмотр и печать…</translation>
    </message>
    <message>
        <source>Pick list to PDF…</source>
        <translation>Сборочный лист в PDF…</translation>
    </message>
    <message>
        <source>Save the pick list as PDF</source>
        <translation>Сохранить сборочный лист в PDF</translation>
    </message>
    <message>
        <source>Pick list saved: %1</source>
        <translation>Сборочный лист сохранён: %1</translation>
    </message>
    <message>
        <source>&amp;Order</source>
        <translation>&amp;Заказ</translation>
    </message>
    <message>
        <source>Hand-over</source>
        <translation>Выдача</translation>
    </message>
    <message>
        <source>Order details and history…</source>
        <translation>Подробности и история заказа…</translation>
    </message>
    <message>
        <source>Bag label: preview and print…</source>
        <translation>Этикетка пакета: предпросмотр и печать…</translation>
    </message>
    <message>
        <source>Bag label to PDF…</source>
        <translation>Этикетка пакета в PDF…</translation>
    </message>
    <message>
        <source>Label settings…</source>
        <translation>Настройки этикеток…</translation>
    </message>
    <message>
        <source>Extend pickup until…</source>
        <translation>Продлить хранение до …</translation>
    </message>
    <message>
        <source>Select an order first</source>
        <translation>Сначала выберите заказ</translation>
    </message>
    <message>
        <source>Save the bag label as PDF</source>
        <translation>Сохранить этикетку пакета в PDF</translation>
    </message>
    <message>
        <source>PDF files (*.pdf)</source>
        <translation>Файлы PDF (*.pdf)</translation>
    </message>
    <message>
        <source>The PDF was not written: %1</source>
        <translation>PDF не записан: %1</translation>
    </message>
    <message>
        <source>Label saved: %1</source>
        <translation>Этикетка сохранена: %1</translation>
    </message>
<message>
        <source>Extend pickup until…</source>
        <translation>Продлить хранение до …</translation>
    </message>
    </context>
<context>
    <name>PauseControls</name>
    <message>
        <source>&amp;Pharmacy</source>
        <translation>&amp;Аптека</translation>
    </message>
    <message>
        <source>Pause Kuper orders</source>
        <translation>Приостановить приём заказов</translation>
    </message>
    <message>
        <source>For %1 minutes</source>
        <translation>На %1 минут</translation>
    </message>
    <message>
        <source>Until resumed</source>
        <translation>До возобновления</translation>
    </message>
    <message>
        <source>Resume Kuper orders</source>
        <translation>Возобновить приём заказов</translation>
    </message>
</context>
<context>
    <name>PauseIndicator</name>
    <message>
        <source>Kuper orders paused until resumed</source>
        <translation>Приём заказов Купера приостановлен до возобновления</translation>
    </message>
    <message>
        <source>Kuper orders paused until %1</source>
        <translation>Приём заказов Купера приостановлен до %1</translation>
    </message>
    <message>
        <source>Paused by %1</source>
        <translation>Приостановила касса %1</translation>
    </message>
</context>
<context>
    <name>PickListPrinting</name>
    <message>
        <source>Select an order first</source>
        <translation>Сначала выберите заказ</translation>
    </message>
    <message>
        <source>No pick list: %1</source>
        <translation>Сборочный лист не получен: %1</translation>
    </message>
    <message>
        <source>Pick list %1 — %2</source>
        <translation>Сборочный лист %1 — %2</translation>
    </message>
    <message>
        <source>Pick list printed</source>
        <translation>Сборочный лист напечатан</translation>
    </message>
</context>
<context>
    <name>QueueView</name>
    <message>
        <source>New</source>
        <translation>Новые</translation>
    </message>
    <message>
        <source>Assembly</source>
        <translation>Сборка</translation>
    </message>
    <message>
        <source>Ready</source>
        <translation>Готовы</translation>
    </message>
    <message>
        <source>Hand-over</source>
        <translation>Выдача</translation>
    </message>
    <message>
        <source>All</source>
        <translation>Все</translation>
    </message>
    <message>
        <source>Search: number, Kuper number, customer, last phone digits (Ctrl+F)</source>
        <translation>Поиск: номер, номер Купера, покупатель, последние цифры телефона (Ctrl+F)</translation>
    </message>
<message>
        <source>Not collected</source>
        <translation>Не забрали</translation>
    </message>
    <message>
        <source>Search: number, code, customer, last phone digits (Ctrl+F)</source>
        <translation>Поиск: номер, код, покупатель, последние цифры телефона (Ctrl+F)</translation>
    </message>
</context>
<context>
    <name>ReturnToShelfDialog</name>
    <message>
        <source>Order canceled</source>
        <translation>Заказ отменён</translation>
    </message>
    <message>
        <source>Order %1 is canceled. Put back on the shelf:</source>
        <translation>Заказ %1 отменён. Верните на полку:</translation>
    </message>
    <message>
        <source>Product</source>
        <translation>Товар</translation>
    </message>
    <message>
        <source>Packs</source>
        <translation>Упаковок</translation>
    </message>
    <message>
        <source>Series</source>
        <translation>Серия</translation>
    </message>
    <message>
        <source>Nothing was picked yet: nothing to put back.</source>
        <translation>Ничего ещё не собрано: возвращать нечего.</translation>
    </message>
    <message>
        <source>Put back (Enter)</source>
        <translation>Вернул (Enter)</translation>
    </message>
</context>
<context>
    <name>StatusBar</name>
    <message>
        <source>(next attempt in %1 s)</source>
        <translation>(следующая попытка через %1 с)</translation>
    </message>
    <message>
        <source>(Pharmacy → Connection settings…)</source>
        <translation>(Аптека → Настройки подключения…)</translation>
    </message>
    <message>
        <source>Waiting to be sent: %1</source>
        <translation>Ждут отправки: %1</translation>
    </message>
    <message>
        <source>Not sent: order %1</source>
        <translation>Не отправлено: заказ %1</translation>
    </message>
</context>
<context>
    <name>SubstituteDialog</name>
    <message>
        <source>Substitute for %1</source>
        <translation>Замена для: %1</translation>
    </message>
    <message>
        <source>barcode (optional)</source>
        <translation>штрихкод (необязательно)</translation>
    </message>
    <message>
        <source>SKU</source>
        <translation>Артикул</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Название</translation>
    </message>
    <message>
        <source>Price</source>
        <translation>Цена</translation>
    </message>
    <message>
        <source>Barcode</source>
        <translation>Штрихкод</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Причина</translation>
    </message>
    <message>
        <source>Enter the SKU and the name</source>
        <translation>Введите артикул и название</translation>
    </message>
    <message>
        <source>Enter the price, e.g. 199.90</source>
        <translation>Введите цену, например 199.90</translation>
    </message>
</context>
<context>
    <name>SubstituteOfferDialog</name>
    <message>
        <source>Substitute for %1</source>
        <translation>Замена для: %1</translation>
    </message>
    <message>
        <source>no phone in the order</source>
        <translation>в заказе нет телефона</translation>
    </message>
    <message>
        <source>First call the customer: %1 — agree on the substitute</source>
        <translation>Сначала позвоните покупателю: %1 — согласуйте замену</translation>
    </message>
    <message>
        <source>Instead of %1 missing pack(s) of %2:</source>
        <translation>Вместо недостающих упаковок (%1 уп.) товара «%2»:</translation>
    </message>
    <message>
        <source>Other product…</source>
        <translation>Другой товар…</translation>
    </message>
</context>
<context>
    <name>VirtualScanner</name>
    <message>
        <source>substitute (F4 first)</source>
        <translation>замена (сначала F4)</translation>
    </message>
    <message>
        <source>Virtual scanner (demo)</source>
        <translation>Виртуальный сканер (демо)</translation>
    </message>
    <message>
        <source>pack, DataMatrix</source>
        <translation>упаковка, DataMatrix</translation>
    </message>
    <message>
        <source>pack, EAN-13</source>
        <translation>упаковка, EAN-13</translation>
    </message>
    <message>
        <source>bag label QR</source>
        <translation>QR этикетки пакета</translation>
    </message>
    <message>
        <source>WRONG: expired pack</source>
        <translation>ОШИБКА: просроченная упаковка</translation>
    </message>
    <message>
        <source>WRONG: not in this order</source>
        <translation>ОШИБКА: нет в этом заказе</translation>
    </message>
    <message>
        <source>WRONG: not a code</source>
        <translation>ОШИБКА: не код</translation>
    </message>
    <message>
        <source>Open an order: its packs appear here.</source>
        <translation>Откройте заказ — здесь появятся его упаковки.</translation>
    </message>
    <message>
        <source>Double-click a line to scan it: the app receives it like a real scanner's keystrokes.</source>
        <translation>Двойной щелчок по строке — «скан»: программа получает его так же, как от настоящего сканера.</translation>
    </message>
    <message>
        <source>Scan the selected line</source>
        <translation>Сканировать строку</translation>
    </message>
    <message>
        <source>Customer tells the code</source>
        <translation>Покупатель называет код</translation>
    </message>
    <message>
        <source>…a wrong code</source>
        <translation>…неверный код</translation>
    </message>
    <message>
        <source>demo</source>
        <translation>демо</translation>
    </message>
    <message>
        <source>Demo: a simulated Kuper sends orders and plays the courier; the virtual scanner scans packs.</source>
        <translation>Демо: заказы присылает симулятор Купера, он же играет курьера; виртуальный сканер справа сканирует упаковки.</translation>
    </message>
    <message>
        <source>pickup</source>
        <translation>самовывоз</translation>
    </message>
    <message>
        <source>delivery</source>
        <translation>доставка</translation>
    </message>
    <message>
        <source>Order %1 (%2)</source>
        <translation>Заказ %1 (%2)</translation>
    </message>
    <message>
        <source>series %1</source>
        <translation>серия %1</translation>
    </message>
    <message>
        <source>The customer is at the counter with the code from Kuper's app.</source>
        <translation>Покупатель у кассы с кодом из приложения Купера.</translation>
    </message>
    <message>
        <source>Kuper has not sent the customer the code yet: try again in a moment.</source>
        <translation>Купер ещё не прислал покупателю код: попробуйте через мгновение.</translation>
    </message>
    <message>
        <source>Open the order on the hand-over screen first (scan its bag label).</source>
        <translation>Сначала откройте заказ на экране выдачи (отсканируйте этикетку пакета).</translation>
    </message>
</context>
<context><name>Banner</name><message>
        <source>Dismiss</source>
        <translation>Закрыть</translation>
    </message>
</context><context><name>ExtendPickupDialog</name><message>
        <source>Extend pickup</source>
        <translation>Продление хранения</translation>
    </message>
    <message>
        <source>Keep order %1 until:</source>
        <translation>Хранить заказ %1 до:</translation>
    </message>
</context><context><name>PauseControls</name>
    <message>
        <source>Pause Kuper orders</source>
        <translation>Приостановить приём заказов</translation>
    </message>
    <message>
        <source>For %1 minutes</source>
        <translation>На %1 минут</translation>
    </message>
    <message>
        <source>Until resumed</source>
        <translation>До возобновления</translation>
    </message>
    <message>
        <source>Resume Kuper orders</source>
        <translation>Возобновить приём заказов</translation>
    </message>
</context><context><name>PauseIndicator</name><message>
        <source>Kuper orders paused until resumed</source>
        <translation>Приём заказов Купера приостановлен до возобновления</translation>
    </message>
    <message>
        <source>Kuper orders paused until %1</source>
        <translation>Приём заказов Купера приостановлен до %1</translation>
    </message>
    <message>
        <source>Paused by %1</source>
        <translation>Приостановила касса %1</translation>
    </message>
</context></TS>