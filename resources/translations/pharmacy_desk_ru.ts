<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ru_RU">
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
        <source>Type or paste a code the scanner cannot read, then Enter (F3)</source>
        <translation>Введите или вставьте код, который сканер не читает, и нажмите Enter (F3)</translation>
    </message>
    <message>
        <source>F5 Start assembly</source>
        <translation>F5 Начать сборку</translation>
    </message>
    <message>
        <source>F6 Fewer packs</source>
        <translation>F6 Меньше упаковок</translation>
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
        <translation>Del Убрать упаковку</translation>
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
        <translation>Esc К очереди</translation>
    </message>
    <message>
        <source>Scan the packs of the order. F5 starts the assembly.</source>
        <translation>Сканируйте упаковки заказа. F5 — начать сборку.</translation>
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
        <source>Which series is on the pack? Press its number:</source>
        <translation>Какая серия на упаковке? Нажмите её номер:</translation>
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
</context>
<context>
    <name>Banner</name>
    <message>
        <source>Dismiss</source>
        <translation>Закрыть</translation>
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
        <source>This PC&apos;s name</source>
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
</context>
<context>
    <name>ErrorHooks</name>
    <message>
        <source>The error is written to the log. The program keeps working.</source>
        <translation>Ошибка записана в журнал. Программа продолжает работать.</translation>
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
        <source>Pharmacy desk — Kuper orders</source>
        <translation>Аптечная касса — заказы Купера</translation>
    </message>
    <message>
        <source>&amp;Desk</source>
        <translation>&amp;Касса</translation>
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
        <source>Order %1: a saved action was not accepted: %2</source>
        <translation>Заказ %1: сохранённое действие не принято: %2</translation>
    </message>
    <message>
        <source>Action not sent</source>
        <translation>Действие не отправлено</translation>
    </message>
    <message>
        <source>Order %1: %2

Drop the order&apos;s unsent actions and continue from its current state?</source>
        <translation>Заказ %1: %2

Отменить неотправленные действия по заказу и продолжить с его текущего состояния?</translation>
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
        <source>(Desk → Connection settings…)</source>
        <translation>(Касса → Настройки подключения…)</translation>
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
</TS>
